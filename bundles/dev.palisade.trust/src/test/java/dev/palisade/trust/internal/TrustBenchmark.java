package dev.palisade.trust.internal;

import dev.palisade.testkit.TypedConfigs;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.Certificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Verification of a depth-3 ECDSA P-256 chain (root anchor, issuing CA, device) through the real
 * TrustService component, against the raw signature verification it is made of, in one run.
 *
 * <ul>
 * <li>{@code newChain}: a new device each call (rotating over {@value #DEVICES} distinct leaves
 * of one issuing CA, as a plant's devices are), with an explicit validation time, which the
 * service never caches: every call decodes the leaf, builds the path, checks two signatures
 * (device by issuing CA, issuing CA by root; the anchor's own signature is not checked) and every
 * profile and path rule. The issuing CA, presented by every device, is decoded once (IssuerCache);
 * its signature is still checked each time.</li>
 * <li>{@code cachedChain}: the same chain validated "now", answered from the verdict cache after
 * the first call (request copy, key hashing, state checks).</li>
 * <li>{@code rawVerify}: one SHA256withECDSA verification of the device certificate with the same
 * Bouncy Castle provider the service uses.</li>
 * </ul>
 * Target (issue 4): newChain ≥ 0.8 × rawVerify ÷ 2, cachedChain ≥ 1,000,000/s.
 * Run by {@code bench/jmh/trust.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrustBenchmark {

    static final int DEVICES = 512;

    private TrustServiceComponent service;
    private TrustRequest[] fresh;
    private int next;
    private TrustRequest now;
    private byte[] tbs;
    private byte[] signature;
    private java.security.PublicKey issuerKey;

    @Setup
    public void setUp() throws Exception {
        TestPki.Issued rootCa = root("Bench Root").issue();
        TestPki.Issued issuing = intermediate("Bench Issuing CA", rootCa).issue();
        TestPki.Issued device = leaf("bench-device", issuing).issue();
        fresh = new TrustRequest[DEVICES];
        for (int i = 0; i < DEVICES; i++) {
            fresh[i] = new TrustRequest("bench", List.of(leaf("bench-device-" + i, issuing).issue().der(), issuing.der()),
                    Purpose.CLIENT, TestPki.NOW, null);
        }
        Path etc = Files.createTempDirectory("trust-bench");
        // Removed when the JVM exits (files before their directory: deleteOnExit runs in reverse order).
        etc.toFile().deleteOnExit();
        TrustFiles.write(etc.resolve("root.pem"), TrustFiles.pem("CERTIFICATE", rootCa.der()));
        etc.resolve("root.pem").toFile().deleteOnExit();
        Clock clock = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);
        service = new TrustServiceComponent(TypedConfigs.of(TrustServiceComponent.Config.class, Map.of()), clock);
        service.addDomain(new TrustDomainComponent(TypedConfigs.of(TrustDomainComponent.Config.class,
                Map.of("name", "bench", "anchors", new String[] {"root.pem"})), etc, clock));
        List<byte[]> chain = List.of(device.der(), issuing.der());
        now = new TrustRequest("bench", chain, Purpose.CLIENT, null, null);
        List<TrustRequest> all = new java.util.ArrayList<>(List.of(fresh));
        all.add(now);
        for (TrustRequest request : all) {
            Verdict verdict = service.verify(request);
            if (!verdict.accepted()) {
                throw new IllegalStateException("the benchmark chain must be accepted: " + verdict);
            }
        }
        Certificate parsed = Certificate.getInstance(device.der());
        tbs = parsed.getTBSCertificate().getEncoded("DER");
        signature = parsed.getSignature().getOctets();
        issuerKey = issuing.keys().getPublic();
    }

    @Benchmark
    public Verdict newChain() {
        TrustRequest request = fresh[next];
        next = (next + 1) % DEVICES;
        return service.verify(request);
    }

    @Benchmark
    public Verdict cachedChain() {
        return service.verify(now);
    }

    @Benchmark
    public boolean rawVerify() throws Exception {
        Signature verifier = Signature.getInstance("SHA256withECDSA", TestPki.BC);
        verifier.initVerify(issuerKey);
        verifier.update(tbs);
        return verifier.verify(signature);
    }
}
