package dev.palisade.upstream.mqtt.internal;

import java.util.function.LongUnaryOperator;

/**
 * Jittered exponential backoff: the n-th consecutive failure waits a random time in
 * [b/2, b] where b = min(max, min * 2^n). The random half stops a plant of gateways that lost
 * the hub at the same moment from reconnecting in lock-step; the fixed half keeps the delay
 * from collapsing to zero. Not thread-safe: one link loop owns it.
 */
final class Backoff {

    private final long minMillis;
    private final long maxMillis;
    private final LongUnaryOperator random;
    private int failures;

    /**
     * @param minMillis the first delay's upper bound; positive
     * @param maxMillis the cap; at least {@code minMillis}
     * @param random given n &gt; 0, a uniform value in [0, n)
     */
    Backoff(long minMillis, long maxMillis, LongUnaryOperator random) {
        if (minMillis <= 0 || maxMillis < minMillis) {
            throw new IllegalArgumentException("backoff must satisfy 0 < backoff.min.ms (" + minMillis
                    + ") <= backoff.max.ms (" + maxMillis + ")");
        }
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.random = random;
    }

    /** @return how long to wait before the next attempt; counts one more failure */
    long nextDelayMillis() {
        // Doubling stops at the cap, so it cannot overflow however many failures there were.
        long bound = minMillis;
        for (int i = 0; i < failures && bound < maxMillis; i++) {
            bound *= 2;
        }
        bound = Math.min(bound, maxMillis);
        if (failures < Integer.MAX_VALUE) {
            failures++;
        }
        long half = bound / 2;
        return bound - half + random.applyAsLong(half + 1);
    }

    /** A connection succeeded: the next failure starts from the minimum again. */
    void reset() {
        failures = 0;
    }

    int failures() {
        return failures;
    }
}
