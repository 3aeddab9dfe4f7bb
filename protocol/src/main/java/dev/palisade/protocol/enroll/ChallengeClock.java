package dev.palisade.protocol.enroll;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Issues challenges and judges their freshness ({@code docs/protocol.md} §5.1). The store that
 * records them (the hub's registry) makes "used" atomic; this class only says what the recorded
 * state means, so every store decides the same way.
 */
public final class ChallengeClock {

    /** The default lifetime of a challenge. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    /** The longest lifetime the protocol allows. */
    public static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

    private final SecureRandom random;
    private final Duration lifetime;

    /**
     * @param random the source of nonces and enrollment ids (a strong one)
     * @param lifetime how long a challenge is accepted; 1 s .. {@link #MAX_LIFETIME}
     */
    public ChallengeClock(SecureRandom random, Duration lifetime) {
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("challenge lifetime " + lifetime + " is outside 1 s .. " + MAX_LIFETIME);
        }
        this.random = random;
        this.lifetime = lifetime;
    }

    /** @return {@link Wire#NONCE_BYTES} fresh random bytes */
    public byte[] nonce() {
        byte[] b = new byte[Wire.NONCE_BYTES];
        random.nextBytes(b);
        return b;
    }

    /** @return {@link Wire#ENROLLMENT_ID_BYTES} fresh random bytes */
    public byte[] enrollmentId() {
        byte[] b = new byte[Wire.ENROLLMENT_ID_BYTES];
        random.nextBytes(b);
        return b;
    }

    /**
     * @param now the current time
     * @return when a challenge issued now expires, truncated to milliseconds (the wire's precision)
     */
    public Instant expiry(Instant now) {
        return Instant.ofEpochMilli(now.plus(lifetime).toEpochMilli());
    }

    /**
     * @param expires the recorded expiry
     * @param alreadyUsed whether a proof already consumed the challenge
     * @param now the time the proof arrived
     * @return empty if the challenge may be consumed now; else {@link Reason#NONCE_REPLAYED}
     *         (checked first: a used challenge stays used) or {@link Reason#NONCE_EXPIRED}
     */
    public static Optional<Reason> judge(Instant expires, boolean alreadyUsed, Instant now) {
        if (alreadyUsed) {
            return Optional.of(Reason.NONCE_REPLAYED);
        }
        if (!now.isBefore(expires)) {
            return Optional.of(Reason.NONCE_EXPIRED);
        }
        return Optional.empty();
    }
}
