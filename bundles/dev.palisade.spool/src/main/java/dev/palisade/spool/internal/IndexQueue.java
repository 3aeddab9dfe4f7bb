package dev.palisade.spool.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of one priority that the journal holds, in sequence (append) order, kept as
 * columns of primitives in fixed-size chunks rather than as an object per message: 27 bytes of
 * heap per message (an object with its queue slot took 69), so that a 1,000,000-message outage
 * fits the gateway's 128 MiB heap. The payload, topic and key text stay on disk; sequence and
 * acceptance time are stored as {@code int} offsets from their chunk's base (a chunk ends early
 * when one does not fit), the key as an index into the journal's key table.
 *
 * <p>Messages that left are only marked {@link #GONE}; whole chunks of them are dropped by
 * {@link #trim}, and the queue is rewritten when they are more than half of it. Never while a
 * caller iterates. Not thread-safe: guarded by the journal's lock.
 */
final class IndexQueue {

    static final byte QUEUED = 0;
    static final byte IN_FLIGHT = 1;
    static final byte GONE = 2;

    /** Messages per chunk: small enough that ten part-filled tail chunks cost little (27 KiB each). */
    static final int CHUNK = 1024;
    /** Expiry column: no time to live. */
    private static final int NEVER = 0;
    /** Expiry column: the expiry is too far from the acceptance time for an int; see {@link #farExpiries}. */
    private static final int FAR = -1;

    /** One block of messages; columns indexed by slot. */
    static final class Chunk {
        final long baseSeq;
        final long baseAcceptedAt;
        final int[] seq = new int[CHUNK];
        final int[] acceptedAt = new int[CHUNK];
        /** {@link #NEVER}, {@link #FAR}, or 1 + milliseconds from acceptance to expiry. */
        final int[] expiry = new int[CHUNK];
        final int[] offset = new int[CHUNK];
        final int[] length = new int[CHUNK];
        final int[] payloadSize = new int[CHUNK];
        final char[] key = new char[CHUNK];
        final byte[] state = new byte[CHUNK];
        int count;
        int gone;

        Chunk(long baseSeq, long baseAcceptedAt) {
            this.baseSeq = baseSeq;
            this.baseAcceptedAt = baseAcceptedAt;
        }
    }

    /**
     * A position in the queue, reused while iterating (a flyweight: no object per message).
     * Valid until the queue's structure changes ({@link #trim}, {@link #add}).
     */
    final class Slot {
        private Chunk chunk;
        private int index;

        long seq() {
            return chunk.baseSeq + (chunk.seq[index] & 0xFFFFFFFFL);
        }

        byte state() {
            return chunk.state[index];
        }

        void state(byte state) {
            chunk.state[index] = state;
        }

        int keyId() {
            return chunk.key[index];
        }

        long acceptedAt() {
            return chunk.baseAcceptedAt + chunk.acceptedAt[index];
        }

        /** @return epoch milliseconds, or 0 for never */
        long expiresAt() {
            int e = chunk.expiry[index];
            if (e == NEVER) {
                return 0;
            }
            return e == FAR ? farExpiries.get(seq()) : acceptedAt() + e - 1;
        }

        boolean expired(long now) {
            long at = expiresAt();
            return at != 0 && at <= now;
        }

        int offset() {
            return chunk.offset[index];
        }

        int length() {
            return chunk.length[index];
        }

        int payloadSize() {
            return chunk.payloadSize[index];
        }

        int priority() {
            return priority;
        }

        /** Marks the message as left; the caller accounts for it. */
        void markGone() {
            if (chunk.state[index] != GONE) {
                if (chunk.expiry[index] == FAR) {
                    farExpiries.remove(seq());
                }
                chunk.state[index] = GONE;
                chunk.gone++;
                gone++;
            }
        }
    }

    /** What {@link #forEach} calls for each slot; returns {@code false} to stop. */
    interface Visitor {
        boolean visit(Slot slot);
    }

    private final int priority;
    private final List<Chunk> chunks = new ArrayList<>();
    private final Map<Long, Long> farExpiries = new HashMap<>();
    private final Slot cursor = new Slot();
    private int size;
    private int gone;

    IndexQueue(int priority) {
        this.priority = priority;
    }

    /** Appends a message; {@code seq} must be above every sequence in the queue. */
    void add(long seq, int keyId, long acceptedAt, long expiresAt, long offset, int length, int payloadSize) {
        if (offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("record offset " + offset + " is beyond 2 GiB: segments must be smaller");
        }
        Chunk tail = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
        if (tail == null || tail.count == CHUNK || seq - tail.baseSeq > 0xFFFFFFFFL
                || acceptedAt - tail.baseAcceptedAt > Integer.MAX_VALUE
                || acceptedAt - tail.baseAcceptedAt < Integer.MIN_VALUE) {
            tail = new Chunk(seq, acceptedAt);
            chunks.add(tail);
        }
        int i = tail.count++;
        tail.seq[i] = (int) (seq - tail.baseSeq);
        tail.acceptedAt[i] = (int) (acceptedAt - tail.baseAcceptedAt);
        long ttl = expiresAt - acceptedAt;
        if (expiresAt == 0) {
            tail.expiry[i] = NEVER;
        } else if (ttl >= 0 && ttl < Integer.MAX_VALUE - 1) {
            tail.expiry[i] = (int) ttl + 1;
        } else {
            tail.expiry[i] = FAR;
            farExpiries.put(seq, expiresAt);
        }
        tail.offset[i] = (int) offset;
        tail.length[i] = length;
        tail.payloadSize[i] = payloadSize;
        tail.key[i] = (char) keyId;
        tail.state[i] = QUEUED;
        size++;
    }

    /** Visits every slot not {@link #GONE}, head first, until the visitor returns {@code false}. */
    void forEach(Visitor visitor) {
        for (Chunk chunk : chunks) {
            if (chunk.gone == chunk.count) {
                continue;
            }
            for (int i = 0; i < chunk.count; i++) {
                if (chunk.state[i] != GONE) {
                    cursor.chunk = chunk;
                    cursor.index = i;
                    if (!visitor.visit(cursor)) {
                        return;
                    }
                }
            }
        }
    }

    /** @return the slot of {@code seq} (gone or not), or {@code null}; binary search, no allocation */
    Slot find(long seq) {
        int low = 0;
        int high = chunks.size() - 1;
        Chunk chunk = null;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (chunks.get(mid).baseSeq <= seq) {
                chunk = chunks.get(mid);
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        if (chunk == null || seq - chunk.baseSeq > 0xFFFFFFFFL) {
            return null;
        }
        long delta = seq - chunk.baseSeq;
        low = 0;
        high = chunk.count - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            long at = chunk.seq[mid] & 0xFFFFFFFFL;
            if (at < delta) {
                low = mid + 1;
            } else if (at > delta) {
                high = mid - 1;
            } else {
                cursor.chunk = chunk;
                cursor.index = mid;
                return cursor;
            }
        }
        return null;
    }

    /** @return messages not gone */
    int live() {
        return size - gone;
    }

    /** @return messages marked gone and not yet dropped */
    int departed() {
        return gone;
    }

    /**
     * Drops chunks whose messages have all left, and rewrites the queue when departed messages
     * are more than half of it (and more than a chunk). Never while iterating.
     */
    void trim() {
        if (gone == 0) {
            return;
        }
        if (gone > CHUNK && gone > size / 2) {
            List<Chunk> old = new ArrayList<>(chunks);
            chunks.clear();
            size = 0;
            gone = 0;
            Map<Long, Long> far = new HashMap<>(farExpiries);
            farExpiries.clear();
            for (Chunk chunk : old) {
                for (int i = 0; i < chunk.count; i++) {
                    if (chunk.state[i] != GONE) {
                        long seq = chunk.baseSeq + (chunk.seq[i] & 0xFFFFFFFFL);
                        long acceptedAt = chunk.baseAcceptedAt + chunk.acceptedAt[i];
                        int e = chunk.expiry[i];
                        long expiresAt = e == NEVER ? 0 : e == FAR ? far.get(seq) : acceptedAt + e - 1;
                        add(seq, chunk.key[i], acceptedAt, expiresAt, chunk.offset[i], chunk.length[i],
                                chunk.payloadSize[i]);
                        chunks.get(chunks.size() - 1).state[chunks.get(chunks.size() - 1).count - 1] = chunk.state[i];
                    }
                }
            }
            return;
        }
        for (int c = chunks.size() - 1; c >= 0; c--) {
            Chunk chunk = chunks.get(c);
            if (chunk.gone == chunk.count) {
                chunks.remove(c);
                size -= chunk.count;
                gone -= chunk.gone;
            }
        }
    }
}
