package dev.palisade.trust.internal;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile input never crashes or hangs the engine: only verdicts come out. The bound is the work
 * counters ({@link Budget}, {@link Der}, the request size); the generous timeouts only make a
 * regression fail instead of hanging the build.
 */
class HostileInputTest extends VerifierFixture {

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    private final TestPki.Issued root = root("Root").issue();
    private final TestPki.Issued ca = intermediate("Issuing CA", root).issue();
    private final ChainVerifier verifier = verifier(root);

    @Test
    void everyTruncationAndEveryMutatedByteGivesAVerdict() {
        byte[] der = leaf("device-1", ca).issue().der();
        assertTimeoutPreemptively(GENEROUS, () -> {
            for (int length = 0; length < der.length; length++) {
                Verdict verdict = verify(List.of(Arrays.copyOf(der, length), ca.der()));
                assertFalse(verdict.accepted(), "truncated to " + length);
            }
            for (int i = 0; i < der.length; i++) {
                for (int flip : new int[] {0x01, 0x80, 0xff}) {
                    byte[] mutated = der.clone();
                    mutated[i] ^= flip;
                    Verdict verdict = verify(List.of(mutated, ca.der()));
                    assertNotNull(verdict, "mutated at " + i);
                    assertFalse(verdict.reason() == RejectReason.INTERNAL, "mutated at " + i + ": " + verdict);
                }
            }
        });
    }

    private Verdict verify(List<byte[]> chain) {
        return verifier.verify(chain, Purpose.CLIENT, TestPki.NOW, null, DenyList.EMPTY).verdict();
    }

    @Test
    void deeplyNestedAsn1IsRefusedWithoutRecursion() {
        int depth = 5000;
        byte[] nested = new byte[2 * depth];
        for (int i = 0; i < depth; i++) {
            nested[2 * i] = 0x30;
            nested[2 * i + 1] = (byte) 0x80; // indefinite length: refused by the scanner
        }
        rejected(verify(List.of(nested)), RejectReason.MALFORMED, 0);
        // Definite lengths, 12 KiB of nesting (within the size limit): refused by the depth bound.
        byte[] definite = new byte[0];
        for (int i = 0; i < 3000; i++) {
            byte[] outer = new byte[definite.length + (definite.length < 128 ? 2 : definite.length < 256 ? 3 : 4)];
            outer[0] = 0x30;
            int header = outer.length - definite.length;
            if (header == 2) {
                outer[1] = (byte) definite.length;
            } else if (header == 3) {
                outer[1] = (byte) 0x81;
                outer[2] = (byte) definite.length;
            } else {
                outer[1] = (byte) 0x82;
                outer[2] = (byte) (definite.length >> 8);
                outer[3] = (byte) definite.length;
            }
            System.arraycopy(definite, 0, outer, header, definite.length);
            definite = outer;
        }
        byte[] deep = definite;
        Verdict verdict = assertTimeoutPreemptively(GENEROUS, () -> verify(List.of(deep)));
        rejected(verdict, RejectReason.MALFORMED, 0);
    }

    @Test
    void oversizedCertificateIsRefusedBeforeParsing() {
        rejected(verify(List.of(new byte[Cert.MAX_BYTES + 1])), RejectReason.MALFORMED, 0);
    }

    @Test
    void hundredCandidateIssuersWithTheSameNameHitTheWorkBound() {
        // The pool holds 100 CAs with the same name and key identifier as the real issuer but other keys.
        List<TestPki.Issued> decoys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            TestPki.Spec spec = intermediate("Issuing CA", root);
            TestPki.Issued decoy = spec.issue();
            decoys.add(new TestPki.Issued(decoy.der(), decoy.keys(), decoy.subject(), ca.ski()));
        }
        TestPki.Spec leafSpec = leaf("device-1", ca);
        leafSpec.aki = false; // nothing narrows the candidates but the name
        leafSpec.issuer = new TestPki.Issued(ca.der(), ca.keys(), ca.subject(), ca.ski());
        TestPki.Issued device = leafSpec.issue();
        List<TestPki.Issued> pool = new ArrayList<>(decoys);
        pool.add(ca);
        ChainVerifier crowded = verifier(DomainPolicy.defaults(), List.of(root), pool, List.of());
        Verdict verdict = assertTimeoutPreemptively(GENEROUS, () -> run(crowded, device));
        assertFalse(verdict.accepted());
        assertEquals(RejectReason.RESOURCE_LIMIT, verdict.reason(), verdict.message());
    }

    @Test
    void chainOfFiftyIsBounded() {
        List<TestPki.Issued> chain = new ArrayList<>();
        TestPki.Issued issuer = root;
        for (int i = 0; i < 50; i++) {
            issuer = intermediate("CA " + i, issuer).issue();
            chain.add(0, issuer);
        }
        TestPki.Issued device = leaf("device-1", issuer).issue();
        List<byte[]> request = new ArrayList<>();
        request.add(device.der());
        chain.forEach(c -> request.add(c.der()));
        rejected(assertTimeoutPreemptively(GENEROUS, () -> verify(request)), RejectReason.DEPTH, -1);
        // The same 50 CAs in the domain's pool: the depth bound cuts the search.
        ChainVerifier pooled = verifier(DomainPolicy.defaults().withMaxDepth(DomainPolicy.MAX_DEPTH), List.of(root), chain, List.of());
        Verdict verdict = assertTimeoutPreemptively(GENEROUS, () -> run(pooled, device));
        rejected(verdict, RejectReason.DEPTH, 0);
    }
}
