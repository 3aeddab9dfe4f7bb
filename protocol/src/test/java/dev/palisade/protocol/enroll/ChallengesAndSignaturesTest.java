package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChallengesAndSignaturesTest {

    private static final Instant T0 = Instant.parse("2026-11-21T20:00:00Z");

    @Test
    void noncesAreThirtyTwoFreshBytesAndExpiryIsTheLifetimeInMilliseconds() {
        ChallengeClock clock = new ChallengeClock(new SecureRandom(), Duration.ofSeconds(60));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            byte[] n = clock.nonce();
            assertEquals(32, n.length);
            assertTrue(seen.add(Arrays.toString(n)), "a nonce repeated");
        }
        assertEquals(16, clock.enrollmentId().length);
        assertEquals(Instant.parse("2026-11-21T20:01:00.123Z"), clock.expiry(T0.plusNanos(123_456_789)));
        assertThrows(IllegalArgumentException.class, () -> new ChallengeClock(new SecureRandom(), Duration.ofMinutes(11)));
        assertThrows(IllegalArgumentException.class, () -> new ChallengeClock(new SecureRandom(), Duration.ofMillis(999)));
    }

    @Test
    void aChallengeIsGoodOnceAndOnlyBeforeItsExpiry() {
        Instant expires = T0.plusSeconds(60);
        assertEquals(Optional.empty(), ChallengeClock.judge(expires, false, T0));
        assertEquals(Optional.empty(), ChallengeClock.judge(expires, false, expires.minusMillis(1)));
        assertEquals(Optional.of(Reason.NONCE_EXPIRED), ChallengeClock.judge(expires, false, expires));
        assertEquals(Optional.of(Reason.NONCE_REPLAYED), ChallengeClock.judge(expires, true, T0));
        assertEquals(Optional.of(Reason.NONCE_REPLAYED), ChallengeClock.judge(expires, true, expires.plusSeconds(1)),
                "a used challenge is reported as a replay even after it expired");
    }

    @Test
    void theAlgorithmIsTheKeysNeverTheMessages() {
        byte[] data = {1, 2, 3};
        KeyPair p256 = TestKeys.ec("secp256r1");
        KeyPair p384 = TestKeys.ec("secp384r1");
        KeyPair rsa = TestKeys.rsa(2048);
        assertEquals(Optional.of(Signatures.ES256), Signatures.algorithmFor(p256.getPublic()));
        assertEquals(Optional.of(Signatures.ES384), Signatures.algorithmFor(p384.getPublic()));
        assertEquals(Optional.of(Signatures.RS256), Signatures.algorithmFor(rsa.getPublic()));
        assertTrue(Signatures.verify(p256.getPublic(), Signatures.ES256, data, TestKeys.sign(p256.getPrivate(), Signatures.ES256, data)));
        assertTrue(Signatures.verify(p384.getPublic(), Signatures.ES384, data, TestKeys.sign(p384.getPrivate(), Signatures.ES384, data)));
        assertTrue(Signatures.verify(rsa.getPublic(), Signatures.RS256, data, TestKeys.sign(rsa.getPrivate(), Signatures.RS256, data)));
        // a valid SHA512withECDSA signature by a P-256 key is still refused: not the protocol's pairing
        assertFalse(Signatures.verify(p256.getPublic(), "SHA512withECDSA", data, TestKeys.sign(p256.getPrivate(), "SHA512withECDSA", data)));
        assertFalse(Signatures.verify(p384.getPublic(), Signatures.ES256, data, TestKeys.sign(p384.getPrivate(), Signatures.ES256, data)));
        assertFalse(Signatures.verify(rsa.getPublic(), "SHA1withRSA", data, TestKeys.sign(rsa.getPrivate(), "SHA1withRSA", data)));
        // keys the protocol does not accept at all
        assertEquals(Optional.empty(), Signatures.algorithmFor(TestKeys.ec("secp521r1").getPublic()));
        assertEquals(Optional.empty(), Signatures.algorithmFor(TestKeys.rsa(1024).getPublic()));
        // garbage is a bad signature, not an exception
        assertFalse(Signatures.verify(p256.getPublic(), Signatures.ES256, data, new byte[] {0x30, 0x01, 0x00}));
        assertFalse(Signatures.verify(rsa.getPublic(), Signatures.RS256, data, new byte[7]));
        assertNotEquals(Signatures.ES256, Signatures.ES384);
    }
}
