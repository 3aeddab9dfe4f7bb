package dev.palisade.hub.bench;

import java.io.ByteArrayInputStream;
import java.security.Provider;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.BatchAssembler;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.ProofVerifier;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;

/**
 * The hub's cryptographic work per enrolled child, with SunEC ({@code jdk}: the JDK's certificate
 * factory and preferred signature provider, what the hub used before) and with a Bouncy Castle
 * provider instance ({@code bc}: what {@code EnrollmentCrypto} gives the hub now), same JVM.
 * {@code proof}: decoding the child's recorded certificate and {@link ProofVerifier#check} on a
 * relay proof (its inclusion path in a batch of 1,024 and its P-256 signature) — the proof's share;
 * {@code chain}: decoding a leaf and validating it to its CA with that provider's PKIX validator
 * (the JDK's asks the platform's provider for the signature even for Bouncy Castle certificates)
 * — the request's share (the proof re-uses the request's result). Proofs and leaves rotate over
 * 1,024 children so that no decoded certificate (the JDK caches 750) and no verification is reused.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class ChildVerificationBenchmark {
    /** More than the JDK certificate factory's cache (750) holds: each decode is a new certificate. */
    private static final int CHILDREN = 1024;
    private static final String HUB = "hub";
    private static final String GATEWAY = "gw-1";

    @Param({"jdk", "bc"})
    public String crypto;

    private Provider provider; // null: the platform's preferred provider
    private CertificateFactory certificates;
    private final List<byte[]> leaves = new ArrayList<>();
    private final List<SignedBytes.Binding> bindings = new ArrayList<>();
    private ProofBatch batch;
    private Set<TrustAnchor> anchors;
    private int next;

    @Setup
    public void setUp() throws Exception {
        provider = crypto.equals("bc") ? new BouncyCastleProvider() : null;
        certificates = provider == null ? CertificateFactory.getInstance("X.509") : CertificateFactory.getInstance("X.509", provider);
        TestCredential root = TestPki.rootCa("Bench-Root", Duration.ofDays(30));
        anchors = Set.of(new TrustAnchor(decode(root.certificate().getEncoded()), null));
        BatchAssembler assembler = new BatchAssembler(HUB, GATEWAY);
        Signature soft = Signature.getInstance(Signatures.ES256, "SunEC");
        for (int i = 0; i < CHILDREN; i++) {
            TestCredential child = TestPki.leaf(root, String.format(Locale.ROOT, "child-%03d", i), TestPki.Kind.DEVICE,
                    Duration.ofDays(30));
            byte[] leaf = child.certificate().getEncoded();
            byte[] enrollment = new byte[16];
            byte[] nonce = new byte[32];
            enrollment[0] = (byte) i;
            nonce[0] = (byte) i;
            soft.initSign(child.key());
            soft.update(SignedBytes.childStatement(dev.palisade.protocol.enroll.Mode.RELAY, HUB, GATEWAY, child.commonName(),
                    enrollment, nonce, leaf));
            SignedBytes.Binding binding = new SignedBytes.Binding(HUB, GATEWAY, nonce, leaf);
            assembler.add(binding, ProofBatch.ChildProof.signed(enrollment, child.commonName(), dev.palisade.protocol.enroll.Mode.RELAY,
                    Signatures.ES256, soft.sign()));
            leaves.add(leaf);
            bindings.add(binding);
        }
        assembler.statement(); // the batch signature is not what is measured
        batch = assembler.assemble(Signatures.ES256, new byte[] {0});
        for (int i = 0; i < CHILDREN; i++) { // every proof must hold, or the figure measures a refusal
            if (proof(i).isPresent()) {
                throw new IllegalStateException("proof " + i + " refused with " + crypto + ": " + proof(i).get());
            }
        }
    }

    private X509Certificate decode(byte[] der) throws Exception {
        return (X509Certificate) certificates.generateCertificate(new ByteArrayInputStream(der));
    }

    private java.util.Optional<Reason> proof(int i) throws Exception {
        return ProofVerifier.check(batch, i, bindings.get(i), dev.palisade.protocol.enroll.Mode.RELAY,
                decode(leaves.get(i)).getPublicKey(), provider);
    }

    /** Decode the recorded leaf, check the inclusion path and the child's P-256 signature. */
    @Benchmark
    public Object proof() throws Exception {
        next = (next + 1) % CHILDREN;
        return proof(next);
    }

    /** Decode a leaf and validate it to its CA with the provider's PKIX validator. */
    @Benchmark
    public Object chain() throws Exception {
        next = (next + 1) % CHILDREN;
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertPathValidator pkix = provider == null ? CertPathValidator.getInstance("PKIX") : CertPathValidator.getInstance("PKIX", provider);
        return pkix.validate(certificates.generateCertPath(List.of(decode(leaves.get(next)))), params);
    }
}
