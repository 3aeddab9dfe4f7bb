package dev.palisade.enroll.internal;

import java.time.Duration;

/**
 * The checked configuration.
 *
 * @param hubId the hub's id; empty when not configured (then nothing is enrolled: fail closed)
 * @param startSettle how long after start a child saved from before, whose bus bundle runs, may
 *        take to reappear before it counts as removed while the gateway was down; zero: never
 * @param attestMaxAge the hub's limit on the age of an attested TLS handshake
 */
record Settings(String hubId, int batchSize, Duration retryMin, Duration retryMax, Duration refusedRetry,
        Duration childTimeout, Duration requestTimeout, Duration removalGrace, Duration startSettle, Duration attestMaxAge) {

    static final int MAX_BATCH = 1000;
    /** Kept below the hub's attestation limit: the round's own duration and clock skew. */
    static final Duration ATTEST_MARGIN = Duration.ofMinutes(10);

    static Settings of(EnrollConfig c) {
        return new Settings(c.hub_id().trim(), bounded("batch.size", c.batch_size(), 1, MAX_BATCH),
                seconds("retry.min.seconds", c.retry_min_seconds(), 1), seconds("retry.max.seconds", c.retry_max_seconds(), 1),
                seconds("refused.retry.seconds", c.refused_retry_seconds(), 1),
                seconds("child.timeout.seconds", c.child_timeout_seconds(), 1),
                seconds("request.timeout.seconds", c.request_timeout_seconds(), 1),
                seconds("removal.grace.seconds", c.removal_grace_seconds(), 0),
                seconds("start.settle.seconds", c.start_settle_seconds(), 0),
                Duration.ofSeconds(bounded("attest.max.age.seconds", c.attest_max_age_seconds(), 3600, 30 * 86_400)));
    }

    /** @return the oldest handshake this gateway attests: the hub's limit less {@link #ATTEST_MARGIN} */
    Duration attestUsableAge() {
        return attestMaxAge.minus(ATTEST_MARGIN);
    }

    private static int bounded(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("etc/" + EnrollmentComponent.PID + ".cfg: " + name + " = " + value + " is not in "
                    + min + ".." + max);
        }
        return value;
    }

    private static Duration seconds(String name, int value, int min) {
        return Duration.ofSeconds(bounded(name, value, min, 86_400));
    }
}
