package dev.palisade.hub.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import dev.palisade.protocol.enroll.Reason;

class ProofBatchVerifierTest {

    private static Optional<Refusal> everyThirdRefused(int i) {
        return i % 3 == 0 ? Optional.of(new Refusal(Reason.BAD_SIGNATURE, "proof " + i)) : Optional.empty();
    }

    @Test
    void eachRefusalStaysAtItsProofsIndexWhateverThreadCheckedIt() throws Exception {
        try (ProofBatchVerifier verifier = new ProofBatchVerifier(4)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            Refusal[] refusals = verifier.verifyAll(1000, i -> {
                threads.add(Thread.currentThread().getName());
                return everyThirdRefused(i);
            });
            assertEquals(1000, refusals.length);
            for (int i = 0; i < 1000; i++) {
                if (i % 3 == 0) {
                    assertEquals("proof " + i, refusals[i].detail());
                } else {
                    assertNull(refusals[i], "proof " + i + " holds");
                }
            }
            assertTrue(threads.stream().anyMatch(t -> t.startsWith("palisade-hub-proof-")),
                    "a batch of 1000 is checked on the pool too: " + threads);
        }
    }

    @Test
    void aSmallBatchIsCheckedOnTheCallersThread() throws Exception {
        try (ProofBatchVerifier verifier = new ProofBatchVerifier(4)) {
            String caller = Thread.currentThread().getName();
            Refusal[] refusals = verifier.verifyAll(ProofBatchVerifier.PARALLEL_FROM - 1, i -> {
                assertEquals(caller, Thread.currentThread().getName());
                return everyThirdRefused(i);
            });
            assertEquals(Reason.BAD_SIGNATURE, refusals[0].reason());
            assertNull(refusals[1]);
        }
    }

    @Test
    void aCheckThatFailsUnexpectedlyFailsTheBatch() {
        try (ProofBatchVerifier verifier = new ProofBatchVerifier(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> verifier.verifyAll(500, i -> {
                if (i == 400) {
                    throw new IllegalStateException("proof 400 broke");
                }
                return Optional.empty();
            }));
            assertEquals("proof 400 broke", e.getMessage());
        }
    }

    @Test
    void closeStopsThePoolAndLaterBatchesAreStillCheckedInFull() throws Exception {
        ProofBatchVerifier verifier = new ProofBatchVerifier(2);
        verifier.verifyAll(100, ProofBatchVerifierTest::everyThirdRefused);
        verifier.close();
        assertTrue(verifier.awaitStopped(5000), "the pool's threads ended");
        Refusal[] refusals = verifier.verifyAll(100, ProofBatchVerifierTest::everyThirdRefused);
        for (int i = 0; i < 100; i++) {
            assertEquals(i % 3 == 0, refusals[i] != null, "proof " + i);
        }
    }
}
