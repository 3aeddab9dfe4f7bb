package dev.palisade.trust.internal;

import dev.palisade.testkit.TypedConfigs;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.Verdict;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRLs fetched from distribution points by the real service from a real HTTP server on
 * 127.0.0.1: fetched in the background, kept on disk, used after a restart without the server,
 * and every bad response refused with its reason while the CRL already held stays.
 */
class CrlFetchTest {

    private static final Clock CLOCK = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);
    private static final Instant BEFORE = TestPki.NOW.minus(Duration.ofHours(1));
    private static final Instant AFTER = TestPki.NOW.plus(Duration.ofDays(7));

    @TempDir
    Path etc;
    @TempDir
    Path cache;

    private HttpServer server;
    /** What the server answers per path: a body supplier (null body: 404), with an optional delay. */
    private final Map<String, Supplier<byte[]>> bodies = new ConcurrentHashMap<>();
    private final Map<String, Integer> delays = new ConcurrentHashMap<>();
    private TestPki.Issued rootCa;
    private TestPki.Issued issuing;
    private TestPki.Issued device;
    private TestPki.Issued revokedDevice;
    private final java.util.List<TrustServiceComponent> services = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            try {
                Thread.sleep(delays.getOrDefault(path, 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Supplier<byte[]> body = bodies.get(path);
            byte[] bytes = body == null ? null : body.get();
            if (bytes == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                } catch (java.io.IOException e) {
                    // The client gave up (size or time limit): that is the point of some tests.
                }
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        rootCa = root("Fetch Root").issue();
        TestPki.Spec ca = intermediate("Fetch Issuing CA", rootCa);
        ca.extra.add(distributionPoint(base + "/root.crl"));
        issuing = ca.issue();
        TestPki.Spec spec = leaf("device-1", issuing);
        spec.extra.add(distributionPoint(base + "/ca.crl"));
        device = spec.issue();
        TestPki.Spec revoked = leaf("device-2", issuing);
        revoked.serial = BigInteger.valueOf(4242);
        revoked.extra.add(distributionPoint(base + "/ca.crl"));
        revokedDevice = revoked.issue();
        bodies.put("/root.crl", () -> TestPki.crl(rootCa, BEFORE, AFTER));
        bodies.put("/ca.crl", () -> TestPki.crl(issuing, BEFORE, AFTER, BigInteger.valueOf(4242)));
        TrustFiles.certificates(etc.resolve("root.pem"), rootCa);
    }

    @AfterEach
    void tearDown() {
        services.forEach(TrustServiceComponent::deactivate);
        if (server != null) {
            server.stop(0);
        }
    }

    private static Extension distributionPoint(String url) {
        return TestPki.extension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
            new DistributionPoint(new DistributionPointName(new GeneralNames(TestPki.uri(url))), null, null)}));
    }

    private TrustServiceComponent service(String revocation, long graceSeconds) {
        TrustServiceComponent service = new TrustServiceComponent(TypedConfigs.of(TrustServiceComponent.Config.class,
                Map.of("crl_retry_seconds", 1L, "crl_fetch_timeout_ms", 700L, "crl_fetch_max_bytes", 64 * 1024)), CLOCK, cache);
        services.add(service);
        Map<String, Object> domain = new HashMap<>(Map.of("name", "plant", "anchors", new String[] {"root.pem"},
                "revocation", revocation, "revocation_grace_seconds", graceSeconds, "files_check_interval_ms", 0L));
        service.addDomain(new TrustDomainComponent(TypedConfigs.of(TrustDomainComponent.Config.class, domain), etc, CLOCK));
        return service;
    }

    private static Verdict verify(TrustServiceComponent service, TestPki.Issued leaf, TestPki.Issued ca) {
        return service.verify(new TrustRequest("plant", List.of(leaf.der(), ca.der()), Purpose.CLIENT, null, null));
    }

    private static Verdict eventually(TrustServiceComponent service, TestPki.Issued leaf, TestPki.Issued ca) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Verdict verdict = verify(service, leaf, ca);
        while (verdict.reason() == RejectReason.REVOCATION_UNKNOWN && System.nanoTime() < deadline) {
            Thread.sleep(50);
            verdict = verify(service, leaf, ca);
        }
        return verdict;
    }

    @Test
    void fetchedInTheBackgroundKeptOnDiskAndUsedOfflineAfterARestart() throws Exception {
        TrustServiceComponent service = service("crl-fail-closed", 0);
        Verdict first = verify(service, device, issuing);
        assertEquals(RejectReason.REVOCATION_UNKNOWN, first.reason(), "verification never waits for the network: " + first);
        Verdict accepted = eventually(service, device, issuing);
        assertTrue(accepted.accepted(), accepted.toString());
        assertEquals(RejectReason.REVOKED, eventually(service, revokedDevice, issuing).reason());
        try (var files = Files.list(cache)) {
            assertEquals(4, files.filter(f -> f.toString().endsWith(".crl") || f.toString().endsWith(".url")).count(),
                    "both CRLs and their URLs are kept");
        }
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        assertTrue(service.health().details().get("crl " + base + "/ca.crl").startsWith("held: thisUpdate " + BEFORE),
                service.health().details().toString());

        server.stop(0);
        server = null;
        service.deactivate();
        TrustServiceComponent restarted = service("crl-fail-closed", 0);
        Verdict offline = verify(restarted, device, issuing);
        assertTrue(offline.accepted(), "the cached CRLs are used at once after a restart without network: " + offline);
        assertEquals(RejectReason.REVOKED, verify(restarted, revokedDevice, issuing).reason());
    }

    @Test
    void aBadResponseIsRefusedWithItsReasonAndTheHeldCrlStays() throws Exception {
        TrustServiceComponent service = service("crl-fail-closed", 0);
        verify(service, device, issuing);
        assertTrue(eventually(service, device, issuing).accepted());
        CrlFetcher fetcher = service.fetcher();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ca.crl";
        CrlFetcher.Entry entry = fetcher.entry(url);
        Crl held = entry.crl;
        assertNotNull(held);

        TestPki.Issued impostor = new TestPki.Issued(issuing.der(), TestPki.ec("secp256r1"), issuing.subject(), issuing.ski());
        TestPki.Issued otherCa = intermediate("Some Other CA", rootCa).issue();
        Map<String, Supplier<byte[]>> bad = new java.util.LinkedHashMap<>();
        bad.put("not an X.509 CRL", () -> "this is not a CRL at all".getBytes());
        bad.put("exceeds the limit of 65536", () -> new byte[200_000]);
        bad.put("no answer within 700 ms", () -> TestPki.crl(issuing, BEFORE, AFTER));
        bad.put("signature does not verify with the key of CN=Fetch Issuing CA,O=Test",
                () -> TestPki.crl(impostor, TestPki.NOW, AFTER));
        bad.put("issued by CN=Some Other CA,O=Test, not by CN=Fetch Issuing CA,O=Test",
                () -> TestPki.crl(otherCa, TestPki.NOW, AFTER));
        bad.put("is older than the CRL held", () -> TestPki.crl(issuing, BEFORE.minus(Duration.ofDays(1)), AFTER));
        bad.put("HTTP status 404", () -> null);
        for (Map.Entry<String, Supplier<byte[]>> response : bad.entrySet()) {
            bodies.put("/ca.crl", response.getValue());
            delays.put("/ca.crl", response.getKey().startsWith("no answer") ? 3000 : 0);
            fetcher.fetch(entry);
            assertNotNull(entry.lastError, response.getKey());
            assertTrue(entry.lastError.contains(response.getKey()), response.getKey() + " -> " + entry.lastError);
            assertTrue(entry.crl == held, "the held CRL stays after: " + entry.lastError);
            assertTrue(verify(service, device, issuing).accepted());
            assertEquals(RejectReason.REVOKED, verify(service, revokedDevice, issuing).reason());
            assertTrue(service.health().details().get("crl " + url).contains("last fetch refused: " + entry.lastError));
        }
        Path kept = cache.resolve(Text.hex(Cert.sha256(url.getBytes(java.nio.charset.StandardCharsets.UTF_8))) + ".crl");
        assertArrayEquals(held.tbsDer, Crl.parse(Files.readAllBytes(kept), url, TestPki.NOW).tbsDer,
                "the CRL kept on disk is still the held one");

        // A newer, good CRL replaces the held one: the revocation is lifted at once (the cache is emptied).
        delays.clear();
        bodies.put("/ca.crl", () -> TestPki.crl(issuing, TestPki.NOW, AFTER));
        fetcher.fetch(entry);
        assertNull(entry.lastError);
        assertTrue(verify(service, revokedDevice, issuing).accepted());
    }

    @Test
    void theStalePolicyAppliesToFetchedCrls() throws Exception {
        Instant stale = TestPki.NOW.minus(Duration.ofHours(2));
        bodies.put("/ca.crl", () -> TestPki.crl(issuing, TestPki.NOW.minus(Duration.ofDays(2)), stale));
        bodies.put("/root.crl", () -> TestPki.crl(rootCa, TestPki.NOW.minus(Duration.ofDays(2)), stale));
        TrustServiceComponent closed = service("crl-fail-closed", 0);
        verify(closed, device, issuing);
        // Both CRLs fetched and held: the answer changes from "no CRL" to "stale".
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (verify(closed, device, issuing).message().contains("no CRL from its issuer") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Verdict refused = verify(closed, device, issuing);
        assertEquals(RejectReason.REVOCATION_UNKNOWN, refused.reason());
        assertTrue(refused.message().contains("is stale since its nextUpdate " + stale), refused.message());
        closed.deactivate();

        TrustServiceComponent grace = service("crl-grace", 86_400);
        Verdict within = verify(grace, device, issuing);
        assertTrue(within.accepted(), "a day of grace covers a CRL two hours past its nextUpdate: " + within);
    }
}
