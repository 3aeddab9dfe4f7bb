package dev.palisade.spool.internal;

/**
 * What the journal keeps in memory about a message: where its record is and what ordering and
 * expiry need. The payload stays on disk. Mutable state is guarded by the journal's lock.
 */
final class Entry {

    static final byte QUEUED = 0;
    static final byte IN_FLIGHT = 1;
    static final byte GONE = 2;

    final long seq;
    final String key;
    final int priority;
    final long acceptedAt;
    /** Epoch milliseconds, or 0 for never. */
    final long expiresAt;
    final Segment segment;
    final long offset;
    final int length;
    final int size;
    byte state = QUEUED;

    Entry(long seq, String key, int priority, long acceptedAt, long expiresAt, Segment segment, long offset,
            int length, int size) {
        this.seq = seq;
        this.key = key;
        this.priority = priority;
        this.acceptedAt = acceptedAt;
        this.expiresAt = expiresAt;
        this.segment = segment;
        this.offset = offset;
        this.length = length;
        this.size = size;
    }

    boolean expired(long now) {
        return expiresAt != 0 && expiresAt <= now;
    }
}
