package dev.palisade.spool.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's in-memory index of the messages held, in hand-out order: one append-ordered
 * {@link IndexQueue} per priority, and the table of keys (children) they refer to. Messages that
 * left (acknowledged, dropped, expired) are only marked, and dropped from a queue by
 * {@link #trim}; never while a caller iterates over it. Guarded by the journal's lock.
 */
final class PriorityQueues {

    /** Departed messages a queue may carry before every queue is trimmed. */
    private static final int SWEEP_AT = 1024;

    /** A message chosen to leave, by priority and sequence (the slot itself moves on trims). */
    record Victim(int priority, long seq) {
    }

    private final IndexQueue[] queues = new IndexQueue[10];
    /** Key table: id to name ({@code null} when free), name to id, messages held per id, free ids. */
    private final List<String> keyNames = new ArrayList<>();
    private final Map<String, Integer> keyIds = new HashMap<>();
    private int[] keyHeld = new int[16];
    private final ArrayDeque<Integer> freeKeyIds = new ArrayDeque<>();
    private boolean sweepPending;

    PriorityQueues() {
        for (int p = 0; p < 10; p++) {
            queues[p] = new IndexQueue(p);
        }
    }

    /**
     * Adds a message at the end of its priority's queue.
     *
     * @throws IllegalStateException if the message's key would be the 65,537th distinct one held
     */
    void add(long seq, int priority, String key, long acceptedAt, long expiresAt, long offset, int length, int size) {
        queues[priority].add(seq, keyId(key), acceptedAt, expiresAt, offset, length, size);
    }

    /** @return whether a message with this key could be added (at most 65,536 keys are held at once) */
    boolean canHold(String key) {
        return keyIds.containsKey(key) || !freeKeyIds.isEmpty() || keyNames.size() <= Character.MAX_VALUE;
    }

    /** The id of {@code key}, taken for one more message; a key whose messages all left frees its id. */
    private int keyId(String key) {
        Integer id = keyIds.get(key);
        if (id == null) {
            if (!canHold(key)) {
                throw new IllegalStateException("the spool holds messages for 65,536 children already");
            }
            if (freeKeyIds.isEmpty()) {
                id = keyNames.size();
                keyNames.add(key);
                if (id == keyHeld.length) {
                    keyHeld = Arrays.copyOf(keyHeld, id * 2);
                }
            } else {
                id = freeKeyIds.pollFirst();
                keyNames.set(id, key);
            }
            keyIds.put(key, id);
        }
        keyHeld[id]++;
        return id;
    }

    private void releaseKey(int id) {
        if (--keyHeld[id] == 0) {
            keyIds.remove(keyNames.get(id));
            keyNames.set(id, null);
            freeKeyIds.addLast(id);
        }
    }

    String key(IndexQueue.Slot slot) {
        return keyNames.get(slot.keyId());
    }

    /** @return the queue of a priority, to iterate; call {@link #trim} after the loop */
    IndexQueue queue(int priority) {
        return queues[priority];
    }

    /** @return the slot of {@code seq} in {@code priority}'s queue, or {@code null} */
    IndexQueue.Slot find(int priority, long seq) {
        return queues[priority].find(seq);
    }

    /** @return the slot of {@code seq} in whichever queue holds it, or {@code null} (recovery only: ten searches) */
    IndexQueue.Slot find(long seq) {
        for (IndexQueue queue : queues) {
            IndexQueue.Slot slot = queue.find(seq);
            if (slot != null) {
                return slot;
            }
        }
        return null;
    }

    /** Marks a message as left; the caller accounts for it. */
    void departed(IndexQueue.Slot slot) {
        if (slot.state() != IndexQueue.GONE) {
            releaseKey(slot.keyId());
        }
        slot.markGone();
        if (queues[slot.priority()].departed() > SWEEP_AT) {
            sweepPending = true;
        }
    }

    /** Drops departed messages from a queue (see {@link IndexQueue#trim}). */
    void trim(int priority) {
        queues[priority].trim();
    }

    /** Trims every queue if departures piled up; only outside any iteration. */
    void trimIfPending() {
        if (sweepPending) {
            sweepPending = false;
            for (IndexQueue queue : queues) {
                queue.trim();
            }
        }
    }

    /**
     * The drop-oldest overflow policy's choice: the oldest queued (not in flight) messages of the
     * lowest priorities, up to {@code maxPriority}, until both needs are met.
     *
     * @return the messages, or {@code null} if even all of them would not make enough room
     */
    List<Victim> oldestQueued(int maxPriority, long needMessages, long needBytes) {
        List<Victim> victims = new ArrayList<>();
        long[] need = {needMessages, needBytes};
        for (int p = 0; p <= maxPriority && (need[0] > 0 || need[1] > 0); p++) {
            int priority = p;
            queues[p].forEach(slot -> {
                if (slot.state() == IndexQueue.QUEUED) {
                    victims.add(new Victim(priority, slot.seq()));
                    need[0]--;
                    need[1] -= slot.payloadSize();
                }
                return need[0] > 0 || need[1] > 0;
            });
        }
        return need[0] > 0 || need[1] > 0 ? null : victims;
    }

    /** @return the earliest acceptance time held, or {@code now} when empty */
    long oldestAcceptedAt(long now) {
        long[] oldest = {now};
        for (IndexQueue queue : queues) {
            queue.forEach(slot -> {
                oldest[0] = Math.min(oldest[0], slot.acceptedAt());
                return false;
            });
        }
        return oldest[0];
    }

    /** @return the sequences held, ascending */
    long[] liveSequences(int expected) {
        long[][] live = {new long[Math.max(0, expected)]};
        int[] n = {0};
        for (IndexQueue queue : queues) {
            queue.forEach(slot -> {
                if (n[0] == live[0].length) {
                    live[0] = Arrays.copyOf(live[0], n[0] * 2 + 1);
                }
                live[0][n[0]++] = slot.seq();
                return true;
            });
        }
        long[] sorted = Arrays.copyOf(live[0], n[0]);
        Arrays.sort(sorted);
        return sorted;
    }

    /** @return up to {@code max} held messages in hand-out order, one line each, no payloads */
    List<String> describe(int max) {
        List<String> out = new ArrayList<>();
        for (int p = 9; p >= 0 && out.size() < max; p--) {
            queues[p].forEach(slot -> {
                String key = key(slot);
                long expiresAt = slot.expiresAt();
                out.add(slot.seq() + " p" + slot.priority() + " key=" + (key.isEmpty() ? "(gateway)" : key) + " "
                        + slot.payloadSize() + " bytes, accepted " + Instant.ofEpochMilli(slot.acceptedAt())
                        + (expiresAt == 0 ? "" : ", expires " + Instant.ofEpochMilli(expiresAt))
                        + (slot.state() == IndexQueue.IN_FLIGHT ? " (in flight)" : ""));
                return out.size() < max;
            });
        }
        return out;
    }
}
