package dev.palisade.api.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of the spool, as {@code palisade:status} shows it. Immutable.
 *
 * @param messages messages held, in flight included
 * @param bytes payload bytes held
 * @param inFlight messages handed out by {@link Spool#next} and not yet acknowledged or released
 * @param oldestAge age of the oldest message held; {@link Duration#ZERO} when empty; never
 *        {@code null}
 * @param maxMessages the configured bound in messages
 * @param maxBytes the configured bound in payload bytes
 * @param dropped messages dropped by the drop-oldest overflow policy since {@code countersSince}
 * @param expired messages discarded unsent because their time to live ran out, since
 *        {@code countersSince}
 * @param countersSince when {@code dropped} and {@code expired} started counting; never {@code null}
 * @param takenAt when the snapshot was taken; never {@code null}
 */
public record SpoolStats(long messages, long bytes, long inFlight, Duration oldestAge, long maxMessages,
        long maxBytes, long dropped, long expired, Instant countersSince, Instant takenAt) {

    /** Validates the fields. */
    public SpoolStats {
        Objects.requireNonNull(oldestAge, "oldestAge");
        Objects.requireNonNull(countersSince, "countersSince");
        Objects.requireNonNull(takenAt, "takenAt");
        if (messages < 0 || bytes < 0 || inFlight < 0 || inFlight > messages || maxMessages < 0
                || maxBytes < 0 || dropped < 0 || expired < 0 || oldestAge.isNegative()) {
            throw new IllegalArgumentException("inconsistent spool statistics: " + messages + " messages, "
                    + inFlight + " in flight, " + bytes + " bytes, oldest " + oldestAge);
        }
    }
}
