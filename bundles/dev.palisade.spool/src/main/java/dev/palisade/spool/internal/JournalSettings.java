package dev.palisade.spool.internal;

import java.time.Duration;

/**
 * The journal's bounds and durability, validated once.
 *
 * @param maxMessages the most messages held (in flight included)
 * @param maxBytes the most payload bytes held
 * @param maxMessageBytes the largest payload accepted
 * @param segmentBytes a segment is closed and a new one started past this size
 * @param overflow what a full spool does with a new message
 * @param syncEveryMessage {@code fsync} before an append returns (survives a power cut)
 * @param syncCount with grouped sync, {@code fsync} at the latest after this many records
 * @param syncInterval with grouped sync, {@code fsync} at the latest this long after a write;
 *        also how often acknowledgements become durable under either policy
 */
record JournalSettings(long maxMessages, long maxBytes, int maxMessageBytes, long segmentBytes,
        OverflowPolicy overflow, boolean syncEveryMessage, int syncCount, Duration syncInterval) {

    /** The largest segment size (1 GiB). */
    static final long MAX_SEGMENT_BYTES = 1L << 30;

    /** What a full spool does with a new message. */
    enum OverflowPolicy {
        /** Drop the oldest queued message of the lowest priority held, if not above the new one's. */
        DROP_OLDEST,
        /** Refuse the new message with {@code SPOOL_FULL}. */
        REFUSE
    }

    JournalSettings {
        if (maxMessages < 1 || maxBytes < 1 || maxMessageBytes < 1 || segmentBytes < 4096 || syncCount < 1
                || syncCount > 100_000 || syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("spool limits must be positive (segment at least 4096 bytes, sync group at most 100000): " + this);
        }
        if (segmentBytes > MAX_SEGMENT_BYTES) {
            // Record offsets are ints in the index (IndexQueue): a segment, and the record that
            // may end past its nominal size, must stay below 2 GiB.
            throw new IllegalArgumentException("segment size " + segmentBytes + " is above the largest, " + MAX_SEGMENT_BYTES);
        }
        if (maxMessageBytes > Records.MAX_BODY - 64 * 1024) {
            throw new IllegalArgumentException("max message size " + maxMessageBytes + " is above "
                    + (Records.MAX_BODY - 64 * 1024));
        }
    }

    /** @return the power-cut loss window, for the log and the docs */
    String lossWindow() {
        return syncEveryMessage ? "none (fsync per message)"
                : "at most " + syncCount + " messages or " + syncInterval.toMillis() + " ms";
    }
}
