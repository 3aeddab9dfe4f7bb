package dev.palisade.trust.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Provider;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches CRLs from the http distribution points of paths that needed revocation, in the
 * background, and keeps them on disk so that a gateway restarted offline still has them.
 *
 * <ul>
 * <li>Only URLs from certificates of a path whose signatures and profile verified are fetched
 * (a CA vouched for them), at most {@link Settings#maxUrls} in all; http only, no redirects,
 * bounded size and time.</li>
 * <li>A fetched CRL is accepted only if it is a DER CRL issued by the certificate above the one
 * that named the URL, that issuer has cRLSign, its AKI fits, its signature verifies with that
 * issuer's key, it is not from the future and not older than the CRL already held (no
 * rollback). Otherwise it is refused with a reason (logged, shown by {@code palisade:trust}) and
 * the CRL already held stays.</li>
 * <li>Refresh: before the held CRL's nextUpdate, at most every {@link Settings#refresh}; after a
 * failure, retry from {@link Settings#retry} doubling up to {@link Settings#refresh}.</li>
 * <li>Verification never waits: {@link #observe} only schedules, {@link #crlsOf} reads a
 * snapshot. The staleness policy is the domain's, applied at use by {@link Revocation}.</li>
 * </ul>
 * One daemon thread, created on first need and stopped by {@link #close}.
 */
final class CrlFetcher implements CrlSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CrlFetcher.class);

    /** Tolerance for a CRL's thisUpdate ahead of our clock. */
    private static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

    /**
     * @param dir where fetched CRLs are kept ({@code <hash of URL>.crl} and {@code .url})
     * @param maxBytes the largest response accepted
     * @param timeout connect plus download, per fetch
     * @param refresh the longest time between two fetches of one URL
     * @param retry the first wait after a failed fetch
     * @param maxUrls how many URLs are followed in all
     */
    record Settings(Path dir, int maxBytes, Duration timeout, Duration refresh, Duration retry, int maxUrls) {
    }

    /** What is known of one URL. Fields are written by the fetch thread only. */
    static final class Entry {
        final String url;
        volatile Cert issuer;
        volatile Crl crl;
        volatile String lastError;
        volatile Instant lastAttempt;
        volatile Instant nextAttempt;
        volatile boolean scheduled;
        Duration backoff;

        Entry(String url) {
            this.url = url;
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final Supplier<Provider> provider;
    private final Runnable changed;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile Map<X500Name, List<Crl>> byIssuer = Map.of();
    private ScheduledExecutorService executor;
    private boolean closed;

    /**
     * @param settings limits and the cache directory
     * @param clock now, for freshness and scheduling
     * @param provider verifies CRL signatures
     * @param changed called (on the fetch thread) after the set of held CRLs changed
     */
    CrlFetcher(Settings settings, Clock clock, Supplier<Provider> provider, Runnable changed) {
        this.settings = settings;
        this.clock = clock;
        this.provider = provider;
        this.changed = changed;
        load();
    }

    /** Reads the CRLs kept by an earlier run; they are checked again at use like any CRL. */
    private void load() {
        if (!Files.isDirectory(settings.dir())) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(settings.dir(), "*.crl")) {
            for (Path file : files) {
                if (entries.size() >= settings.maxUrls()) {
                    break;
                }
                String name = file.getFileName().toString();
                Path urlFile = file.resolveSibling(name.substring(0, name.length() - 4) + ".url");
                try {
                    String url = Files.readString(urlFile, StandardCharsets.UTF_8).strip();
                    Entry entry = new Entry(url);
                    entry.crl = Crl.parse(Files.readAllBytes(file), url, clock.instant());
                    entries.put(url, entry);
                } catch (IOException | MalformedException e) {
                    LOG.warn("Cached CRL {} is unreadable and ignored: {}", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("CRL cache directory {} cannot be read: {}", settings.dir(), e.getMessage());
        }
        rebuild();
        if (!entries.isEmpty()) {
            LOG.info("Loaded {} cached CRL(s) from {}", entries.size(), settings.dir());
        }
    }

    @Override
    public List<Crl> crlsOf(X500Name issuer) {
        return byIssuer.getOrDefault(issuer, List.of());
    }

    @Override
    public void observe(List<Cert> path) {
        for (int i = 0; i + 1 < path.size(); i++) {
            for (String url : path.get(i).crlUrls()) {
                Entry entry = entries.get(url);
                if (entry == null) {
                    if (entries.size() >= settings.maxUrls()) {
                        continue;
                    }
                    entry = entries.computeIfAbsent(url, Entry::new);
                }
                if (entry.issuer == null) {
                    entry.issuer = path.get(i + 1);
                }
                if (!entry.scheduled) {
                    scheduleFirst(entry);
                }
            }
        }
    }

    private synchronized void scheduleFirst(Entry entry) {
        if (!entry.scheduled) {
            schedule(entry, Duration.ZERO);
        }
    }

    private synchronized void schedule(Entry entry, Duration delay) {
        if (closed) {
            return;
        }
        if (executor == null) {
            ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "palisade-crl-fetch");
                thread.setDaemon(true);
                return thread;
            });
            pool.setRemoveOnCancelPolicy(true);
            executor = pool;
        }
        entry.scheduled = true;
        entry.nextAttempt = clock.instant().plus(delay);
        executor.schedule(() -> run(entry), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void run(Entry entry) {
        Duration next;
        try {
            next = fetch(entry);
        } catch (RuntimeException e) {
            entry.lastError = "fetch failed: " + Text.safe(e.toString());
            LOG.warn("CRL {}: {}", entry.url, entry.lastError);
            next = settings.retry();
        }
        schedule(entry, next);
    }

    /** @return when to fetch again */
    Duration fetch(Entry entry) {
        Instant now = clock.instant();
        entry.lastAttempt = now;
        String problem;
        Crl crl = null;
        byte[] der = null;
        try {
            der = download(entry.url);
            crl = Crl.parse(der, entry.url, now);
            problem = refusal(crl, entry, now);
        } catch (IOException e) {
            problem = e.getMessage();
        } catch (MalformedException e) {
            problem = e.getMessage().startsWith("not an X.509 CRL") ? e.getMessage() : "not an X.509 CRL: " + e.getMessage();
        }
        if (problem != null) {
            boolean news = !problem.equals(entry.lastError);
            entry.lastError = problem;
            if (news) {
                LOG.warn("CRL from {} refused, {}: {}", entry.url, entry.crl == null ? "no CRL from it is held"
                        : "the CRL held from it stays (next update " + entry.crl.nextUpdate + ")", problem);
            }
            Duration backoff = entry.backoff == null ? settings.retry() : entry.backoff.multipliedBy(2);
            entry.backoff = backoff.compareTo(settings.refresh()) > 0 ? settings.refresh() : backoff;
            return entry.backoff;
        }
        entry.lastError = null;
        entry.backoff = null;
        Crl held = entry.crl;
        if (held == null || crl.thisUpdate.isAfter(held.thisUpdate) || !Arrays.equals(held.tbsDer, crl.tbsDer)) {
            entry.crl = crl;
            store(entry.url, der);
            rebuild();
            LOG.info("CRL from {} accepted: issuer {}, {} revoked, next update {}", entry.url, Text.safe(crl.issuer.toString()),
                    crl.revokedCount(), crl.nextUpdate);
            changed.run();
        }
        return untilRefresh(crl, now);
    }

    private Duration untilRefresh(Crl crl, Instant now) {
        Duration refresh = settings.refresh();
        if (crl.nextUpdate != null && crl.nextUpdate.isAfter(now)) {
            Duration untilNext = Duration.between(now, crl.nextUpdate);
            return untilNext.compareTo(refresh) < 0 ? untilNext : refresh;
        }
        // Past its nextUpdate: the publisher is late; ask again soon.
        return settings.retry();
    }

    /** @return why the CRL is not acceptable for this entry, or null */
    private String refusal(Crl crl, Entry entry, Instant now) {
        Cert issuer = entry.issuer;
        if (issuer == null) {
            return "no validated issuer certificate is known for this URL yet";
        }
        if (!crl.issuer.equals(issuer.subject)) {
            return "issued by " + Text.safe(crl.issuer.toString()) + ", not by " + issuer.displayName()
                    + " whose certificate names this URL";
        }
        if (issuer.keyUsage == null || !issuer.keyUsage.hasUsages(KeyUsage.cRLSign)) {
            return "its issuer " + issuer.displayName() + " lacks the cRLSign key usage";
        }
        if (crl.authorityKeyId != null && issuer.subjectKeyId != null && !Arrays.equals(crl.authorityKeyId, issuer.subjectKeyId)) {
            return "its authorityKeyIdentifier names another key of " + issuer.displayName();
        }
        if (crl.unusable != null) {
            return crl.unusable;
        }
        if (crl.signatureAlgorithm == null) {
            return "unknown signature algorithm";
        }
        try {
            Signature verifier = Signature.getInstance(crl.signatureAlgorithm, provider.get());
            verifier.initVerify(issuer.publicKey(provider.get()));
            verifier.update(crl.tbsDer);
            if (!verifier.verify(crl.signature)) {
                return "its signature does not verify with the key of " + issuer.displayName();
            }
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            return "its signature does not verify with the key of " + issuer.displayName() + " (" + Text.safe(e.getMessage()) + ")";
        }
        if (crl.thisUpdate.isAfter(now.plus(FUTURE_SKEW))) {
            return "its thisUpdate " + crl.thisUpdate + " is in the future";
        }
        Crl held = entry.crl;
        if (held != null && crl.thisUpdate.isBefore(held.thisUpdate)) {
            return "its thisUpdate " + crl.thisUpdate + " is older than the CRL held (" + held.thisUpdate + "): a rollback";
        }
        return null;
    }

    /** http only, no redirect, at most maxBytes, within the timeout overall. */
    byte[] download(String url) throws IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IOException("not a URL");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IOException("only http:// distribution points are fetched");
        }
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, settings.timeout().toMillis()));
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestProperty("Accept", "application/pkix-crl");
            int status = connection.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) {
                throw new IOException("HTTP status " + status + " (redirects are not followed)");
            }
            long length = connection.getContentLengthLong();
            if (length > settings.maxBytes()) {
                throw new IOException("response of " + length + " bytes exceeds the limit of " + settings.maxBytes());
            }
            try (InputStream in = connection.getInputStream()) {
                byte[] buffer = new byte[8192];
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    if (out.size() > settings.maxBytes()) {
                        throw new IOException("response exceeds the limit of " + settings.maxBytes() + " bytes");
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("download took longer than " + settings.timeout().toMillis() + " ms");
                    }
                }
                byte[] body = out.toByteArray();
                if (body.length > 10 && new String(body, 0, 10, StandardCharsets.US_ASCII).startsWith("-----BEGIN")) {
                    return Pem.parse(new String(body, StandardCharsets.US_ASCII), url, "X509 CRL").get(0);
                }
                return body;
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new IOException("no answer within " + settings.timeout().toMillis() + " ms");
        } catch (IOException e) {
            throw e.getMessage() == null ? new IOException(e.getClass().getSimpleName()) : e;
        } finally {
            connection.disconnect();
        }
    }

    private void store(String url, byte[] der) {
        try {
            Files.createDirectories(settings.dir());
            String name = Text.hex(Cert.sha256(url.getBytes(StandardCharsets.UTF_8)));
            Path crlFile = settings.dir().resolve(name + ".crl");
            Path urlFile = settings.dir().resolve(name + ".url");
            Path tmp = Files.createTempFile(settings.dir(), name, ".tmp");
            Files.write(tmp, der);
            Files.move(tmp, crlFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = Files.createTempFile(settings.dir(), name, ".tmp");
            Files.writeString(tmp, url + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, urlFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Still used from memory; only a restart without network loses it.
            LOG.warn("CRL from {} cannot be kept in {}: {}", url, settings.dir(), e.getMessage());
        }
    }

    private void rebuild() {
        Map<X500Name, List<Crl>> next = new HashMap<>();
        for (Entry entry : entries.values()) {
            Crl crl = entry.crl;
            if (crl != null) {
                next.computeIfAbsent(crl.issuer, k -> new ArrayList<>()).add(crl);
            }
        }
        next.replaceAll((k, v) -> List.copyOf(v));
        byIssuer = Map.copyOf(next);
    }

    /** @return one line per URL for {@code palisade:trust} and health, sorted by URL */
    Map<String, String> status(Instant now) {
        Map<String, String> out = new TreeMap<>();
        for (Entry entry : entries.values()) {
            Crl crl = entry.crl;
            String held = crl == null ? "no CRL held" : "held: thisUpdate " + crl.thisUpdate + ", next update "
                    + (crl.nextUpdate == null ? "none" : crl.nextUpdate) + (crl.nextUpdate != null && now.isBefore(crl.nextUpdate)
                            ? "" : " (STALE)");
            String last = entry.lastError == null ? "" : "; last fetch refused: " + entry.lastError;
            out.put(entry.url, held + last);
        }
        return out;
    }

    Entry entry(String url) {
        return entries.get(url);
    }

    @Override
    public void close() {
        ScheduledExecutorService pool;
        synchronized (this) {
            closed = true;
            pool = executor;
        }
        if (pool != null) {
            pool.shutdownNow();
            try {
                if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("The CRL fetch thread did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
