package dev.palisade.trust.internal;

import dev.palisade.testkit.TypedConfigs;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.TrustRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The ratio of {@link TrustBenchmark} measured so that a busy machine cannot skew it: raw
 * verifications and new chains alternate in short rounds (200 and 100 operations), so both see
 * the same load, and the median and best rounds are reported. JMH runs its benchmarks one after
 * the other, which on a shared 2-core box can put seconds of someone else's build into one of
 * them only. Run by {@code bench/jmh/trust.sh --interleaved}; same chain set-up as the benchmark.
 */
public final class TrustInterleaved {

    private TrustInterleaved() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        TestPki.Issued rootCa = TestPki.root("Bench Root").issue();
        TestPki.Issued issuing = TestPki.intermediate("Bench Issuing CA", rootCa).issue();
        Path etc = Files.createTempDirectory("trust-interleaved");
        // Removed when the JVM exits (files before their directory: deleteOnExit runs in reverse order).
        etc.toFile().deleteOnExit();
        TrustFiles.write(etc.resolve("root.pem"), TrustFiles.pem("CERTIFICATE", rootCa.der()));
        etc.resolve("root.pem").toFile().deleteOnExit();
        Clock clock = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);
        TrustServiceComponent service = new TrustServiceComponent(TypedConfigs.of(TrustServiceComponent.Config.class, Map.of()), clock);
        service.addDomain(new TrustDomainComponent(TypedConfigs.of(TrustDomainComponent.Config.class,
                Map.of("name", "bench", "anchors", new String[] {"root.pem"})), etc, clock));
        TrustRequest[] fresh = new TrustRequest[TrustBenchmark.DEVICES];
        byte[] device = null;
        for (int i = 0; i < fresh.length; i++) {
            byte[] der = TestPki.leaf("bench-device-" + i, issuing).issue().der();
            device = device == null ? der : device;
            fresh[i] = new TrustRequest("bench", List.of(der, issuing.der()), Purpose.CLIENT, TestPki.NOW, null);
        }
        org.bouncycastle.asn1.x509.Certificate parsed = org.bouncycastle.asn1.x509.Certificate.getInstance(device);
        byte[] tbs = parsed.getTBSCertificate().getEncoded("DER");
        byte[] signature = parsed.getSignature().getOctets();
        PublicKey key = issuing.keys().getPublic();
        List<Double> raw = new ArrayList<>();
        List<Double> chains = new ArrayList<>();
        int next = 0;
        int warmup = rounds / 4;
        for (int round = 0; round < warmup + rounds; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                Signature verifier = Signature.getInstance("SHA256withECDSA", TestPki.BC);
                verifier.initVerify(key);
                verifier.update(tbs);
                if (!verifier.verify(signature)) {
                    throw new IllegalStateException("raw verify failed");
                }
            }
            double rawMicros = (System.nanoTime() - start) / 200e3;
            start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                if (!service.verify(fresh[next]).accepted()) {
                    throw new IllegalStateException("the benchmark chain must be accepted");
                }
                next = (next + 1) % fresh.length;
            }
            double chainMicros = (System.nanoTime() - start) / 100e3;
            if (round >= warmup) {
                raw.add(rawMicros);
                chains.add(chainMicros);
            }
        }
        Collections.sort(raw);
        Collections.sort(chains);
        double rawMedian = raw.get(raw.size() / 2);
        double chainMedian = chains.get(chains.size() / 2);
        System.out.printf("interleaved, %d rounds: raw verify median %.1f us (%,.0f/s), best %.1f us;"
                + " new chain median %.1f us (%,.0f/s), best %.1f us%n", rounds, rawMedian, 1e6 / rawMedian, raw.get(0),
                chainMedian, 1e6 / chainMedian, chains.get(0));
        System.out.printf("new chain / (raw / 2): median %.2f, best rounds %.2f (target >= 0.80)%n",
                2 * rawMedian / chainMedian, 2 * raw.get(0) / chains.get(0));
    }
}
