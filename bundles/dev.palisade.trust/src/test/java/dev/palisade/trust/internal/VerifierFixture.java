package dev.palisade.trust.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs the engine on generated chains and asserts verdicts with their certificate index. */
abstract class VerifierFixture {

    static List<Cert> certs(TestPki.Issued... issued) {
        List<Cert> out = new ArrayList<>();
        for (TestPki.Issued i : issued) {
            try {
                out.add(Cert.parse(i.der(), -1));
            } catch (MalformedException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    static ChainVerifier verifier(DomainPolicy policy, List<TestPki.Issued> anchors, List<TestPki.Issued> pool,
            List<byte[]> crls) {
        List<Crl> parsed = new ArrayList<>();
        for (byte[] crl : crls) {
            try {
                parsed.add(Crl.parse(crl, "test.crl", TestPki.NOW));
            } catch (MalformedException e) {
                throw new AssertionError(e);
            }
        }
        return new ChainVerifier("test", policy,
                new TrustMaterial(certs(anchors.toArray(new TestPki.Issued[0])), certs(pool.toArray(new TestPki.Issued[0])), parsed),
                TestPki.BC);
    }

    static ChainVerifier verifier(TestPki.Issued anchor) {
        return verifier(DomainPolicy.defaults(), List.of(anchor), List.of(), List.of());
    }

    static Verdict run(ChainVerifier verifier, TestPki.Issued... chain) {
        return verifier.verify(Arrays.stream(chain).map(TestPki.Issued::der).toList(), Purpose.CLIENT,
                TestPki.NOW, null, DenyList.EMPTY).verdict();
    }

    static Verdict accepted(Verdict verdict) {
        assertTrue(verdict.accepted(), () -> "expected accepted, got " + verdict);
        return verdict;
    }

    static Verdict rejected(Verdict verdict, RejectReason reason, int index) {
        assertFalse(verdict.accepted(), () -> "expected rejection " + reason + ", got " + verdict);
        assertEquals(reason, verdict.reason(), verdict::message);
        assertEquals(index, verdict.certificateIndex(), verdict::message);
        if (index >= 0) {
            assertTrue(verdict.message().startsWith("certificate " + index + " "), verdict::message);
        }
        return verdict;
    }
}
