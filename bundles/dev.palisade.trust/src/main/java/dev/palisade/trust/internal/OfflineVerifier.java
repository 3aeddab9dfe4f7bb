package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import dev.palisade.api.trust.Verdict;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one {@code palisade verify} evaluation with the gateway's own engine ({@link ChainVerifier})
 * outside OSGi: the domain's policy and files from {@code etc/} when {@code --domain} is given,
 * else the domain defaults; command-line anchors, CRLs, depth and EKU override them. Anchors and
 * CRLs are decoded once per distinct input and reused by later batch lines.
 */
final class OfflineVerifier {

    /** Name used in messages when the policy is the defaults rather than a configured domain. */
    static final String COMMAND_LINE = "(command line)";

    /** Bound on the decoded trust inputs kept for batch lines. */
    private static final int MAX_BASES = 16;

    /** Anything that keeps the request from being evaluated: exit 2, or "skip" in a batch. */
    static final class Unevaluable extends Exception {
        private static final long serialVersionUID = 1L;

        Unevaluable(String message) {
            super(message, null, false, false);
        }
    }

    /** The outcome: the engine's verdict, never null. */
    record Outcome(Verdict verdict) {
        boolean accepted() {
            return verdict.accepted();
        }
    }

    /** Policy and material for one combination of domain, anchors and CRLs. */
    private record Base(String name, DomainPolicy policy, TrustMaterial material, DenyList denyList) {
    }

    private record BaseKey(String domain, String trust, String crls) {
    }

    private final Path etc;
    private final Path data;
    private final Provider provider;
    private final Clock clock;
    private final Map<BaseKey, Base> bases = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<BaseKey, Base> eldest) {
            return size() > MAX_BASES;
        }
    };

    /**
     * @param etc the gateway's configuration directory, or null
     * @param data the gateway's data directory (for the CRLs it fetched), or null
     * @param provider verifies signatures
     * @param clock "now" when no time is given
     */
    OfflineVerifier(Path etc, Path data, Provider provider, Clock clock) {
        this.etc = etc;
        this.data = data;
        this.provider = Objects.requireNonNull(provider);
        this.clock = clock;
    }

    /**
     * @param options what to verify
     * @return the verdict
     * @throws Unevaluable naming the option, file or member and what is wrong with it
     */
    Outcome evaluate(VerifyOptions options) throws Unevaluable {
        try {
            if (options.leaf == null) {
                throw new Unevaluable("no leaf: give --leaf FILE (in a batch line: \"leaf\": PEM text)");
            }
            if (options.trust == null && options.domain == null) {
                throw new Unevaluable("no anchors: give --trust FILE or --domain NAME");
            }
            LeafRequirements requirements = new LeafRequirements(options.names, options.keyUsages);
            Instant time;
            try {
                time = options.time != null ? Instant.ofEpochSecond(options.time) : clock.instant();
            } catch (DateTimeException e) {
                throw new Unevaluable("time " + options.time + " is out of range");
            }
            List<byte[]> chain = new ArrayList<>(certificates(options.leaf, "leaf"));
            if (options.untrusted != null) {
                chain.addAll(certificates(options.untrusted, "untrusted"));
            }
            Base base = base(options);
            DomainPolicy policy = base.policy();
            if (options.maxDepth != null) {
                policy = policy.withMaxDepth(options.maxDepth);
            }
            if (options.eku != null) {
                if (options.eku.isEmpty()) {
                    // An empty list would silently drop the EKU rule; say so instead.
                    throw new Unevaluable("--eku needs at least one value (clientAuth, serverAuth or an OID)");
                }
                policy = policy.withEku(DomainLoader.ekus(options.eku.toArray(new String[0]), "--eku"));
            }
            ChainVerifier.Result result = new ChainVerifier(base.name(), policy, base.material(), provider)
                    .verify(chain, options.purpose, time, null, base.denyList());
            Verdict verdict = result.verdict();
            if (verdict.reason() == RejectReason.INTERNAL) {
                throw new Unevaluable(verdict.message());
            }
            if (verdict.accepted()) {
                Failure failure = requirements.check(result.path().get(0));
                if (failure != null) {
                    verdict = failure.toVerdict(chain.size());
                }
            }
            return new Outcome(verdict);
        } catch (IOException | IllegalArgumentException e) {
            throw new Unevaluable(e.getMessage());
        }
    }

    /**
     * The CRLs the gateway fetched from distribution points and kept on disk: checked at use like
     * every CRL, so a tampered file decides nothing. Unreadable files are skipped.
     */
    private List<Crl> fetchedCrls(Instant now) throws IOException {
        Path dir = null;
        Path settings = etc.resolve(TrustServiceComponent.PID + ".cfg");
        if (Files.exists(settings)) {
            String configured = ConfigFiles.typed(TrustServiceComponent.Config.class, ConfigFiles.properties(settings))
                    .crl_cache_dir();
            dir = configured.isBlank() ? null : Path.of(configured);
        }
        if (dir == null && data != null) {
            dir = data.resolve("trust").resolve("crls");
        }
        List<Crl> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crl")) {
            for (Path file : files) {
                if (out.size() >= MAX_FETCHED_CRLS) {
                    break;
                }
                try {
                    if (Files.size(file) <= Crl.MAX_BYTES) {
                        String name = file.getFileName().toString();
                        Path url = file.resolveSibling(name.substring(0, name.length() - 4) + ".url");
                        String source = Files.exists(url) ? Files.readString(url).strip() : file.toString();
                        out.add(Crl.parse(Files.readAllBytes(file), source, now));
                    }
                } catch (IOException | MalformedException e) {
                    // A CRL that cannot be read decides nothing; the domain fails closed without it.
                }
            }
        }
        return out;
    }

    /** As many as the gateway follows by default. */
    private static final int MAX_FETCHED_CRLS = 256;

    /** The request's certificates must at least decode: a garbage file is not a verdict on a device. */
    private static List<byte[]> certificates(VerifyOptions.Pem pem, String what) throws IOException {
        List<byte[]> blocks = Pem.parse(pem.text(), pem.source(), "CERTIFICATE");
        for (int i = 0; i < blocks.size(); i++) {
            try {
                Cert.parse(blocks.get(i), i);
            } catch (MalformedException e) {
                throw new IOException(pem.source() + ": " + what + " certificate " + (i + 1) + " is malformed: " + e.getMessage());
            }
        }
        return blocks;
    }

    private Base base(VerifyOptions options) throws IOException, Unevaluable {
        BaseKey key = new BaseKey(options.domain, options.trust == null ? null : options.trust.text(),
                options.crls == null ? null : options.crls.text());
        Base base = bases.get(key);
        if (base == null) {
            base = load(options);
            bases.put(key, base);
        }
        return base;
    }

    private Base load(VerifyOptions options) throws IOException, Unevaluable {
        Instant now = clock.instant();
        String name = COMMAND_LINE;
        DomainPolicy policy = DomainPolicy.defaults();
        List<Cert> anchors = new ArrayList<>();
        List<Cert> pool = new ArrayList<>();
        List<Crl> crls = new ArrayList<>();
        DenyList denyList = DenyList.EMPTY;
        if (options.domain != null) {
            if (etc == null) {
                throw new Unevaluable("--domain needs the gateway's etc directory (PALISADE_ETC)");
            }
            DomainState state = DomainLoader.load(ConfigFiles.domain(etc, options.domain), etc, now);
            if (state.isDown() && options.trust == null) {
                throw new Unevaluable("trust domain '" + state.name() + "' is down (the gateway rejects every chain of it): "
                        + state.down());
            }
            if (state.policy() == null) {
                throw new Unevaluable("trust domain '" + state.name() + "' cannot be used: " + state.down());
            }
            name = state.name();
            policy = state.policy();
            if (state.material() != null) {
                anchors.addAll(state.material().anchors);
                pool.addAll(state.material().pool);
                crls.addAll(state.material().crls);
            }
            denyList = ConfigFiles.denyList(etc);
            if (options.crls == null && policy.revocation() != RevocationPolicy.OFF) {
                crls.addAll(fetchedCrls(now));
            }
        }
        if (options.trust != null) {
            anchors.clear();
            List<byte[]> blocks = Pem.parse(options.trust.text(), options.trust.source(), "CERTIFICATE");
            for (int i = 0; i < blocks.size(); i++) {
                try {
                    anchors.add(Cert.parse(blocks.get(i), -1));
                } catch (MalformedException e) {
                    throw new IOException(options.trust.source() + ": trust certificate " + (i + 1) + " is malformed: "
                            + e.getMessage());
                }
            }
        }
        if (options.crls != null) {
            crls.clear();
            List<byte[]> blocks = Pem.parse(options.crls.text(), options.crls.source(), "X509 CRL");
            for (int i = 0; i < blocks.size(); i++) {
                try {
                    crls.add(Crl.parse(blocks.get(i), options.crls.source(), now));
                } catch (MalformedException e) {
                    throw new IOException(options.crls.source() + ": CRL " + (i + 1) + " is malformed: " + e.getMessage());
                }
            }
            if (policy.revocation() == RevocationPolicy.OFF) {
                policy = policy.withRevocation(RevocationPolicy.FAIL_CLOSED, java.time.Duration.ZERO);
            }
        }
        return new Base(name, policy, new TrustMaterial(anchors, pool, crls), denyList);
    }
}
