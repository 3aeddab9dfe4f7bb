package dev.palisade.spool.internal;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The messages held, in hand-out order: one append-ordered queue per priority. Entries that
 * left (acknowledged, dropped, expired) are only marked, and dropped from a queue at its head or
 * when they are many; never while a caller iterates over it. Guarded by the journal's lock.
 */
final class PriorityQueues {

    /** Departed entries a queue may carry before it is swept. */
    private static final int SWEEP_AT = 1024;

    @SuppressWarnings("unchecked")
    private final ArrayDeque<Entry>[] queues = new ArrayDeque[10];
    private final int[] departed = new int[10];
    private boolean sweepPending;

    PriorityQueues() {
        for (int p = 0; p < 10; p++) {
            queues[p] = new ArrayDeque<>();
        }
    }

    void add(Entry entry) {
        queues[entry.priority].addLast(entry);
    }

    /** @return the queue of a priority, to iterate; call {@link #trim} after the loop */
    Iterable<Entry> queue(int priority) {
        return queues[priority];
    }

    /** Notes that an entry left; the caller has marked it {@link Entry#GONE}. */
    void departed(Entry entry) {
        if (++departed[entry.priority] > SWEEP_AT) {
            sweepPending = true;
        }
    }

    /** Drops departed entries from the head of a queue, and from all of it when they are many. */
    void trim(int priority) {
        ArrayDeque<Entry> queue = queues[priority];
        while (!queue.isEmpty() && queue.peekFirst().state == Entry.GONE) {
            queue.pollFirst();
            departed[priority]--;
        }
        if (departed[priority] > SWEEP_AT && departed[priority] > queue.size() / 2) {
            queue.removeIf(e -> e.state == Entry.GONE);
            departed[priority] = 0;
        }
    }

    /** Trims every queue if departures piled up; only outside any iteration. */
    void trimIfPending() {
        if (sweepPending) {
            sweepPending = false;
            for (int p = 0; p < 10; p++) {
                trim(p);
            }
        }
    }

    /**
     * The drop-oldest overflow policy's choice: the oldest queued (not in flight) entries of the
     * lowest priorities, up to {@code maxPriority}, until both needs are met.
     *
     * @return the entries, or {@code null} if even all of them would not make enough room
     */
    List<Entry> oldestQueued(int maxPriority, long needMessages, long needBytes) {
        List<Entry> victims = new ArrayList<>();
        for (int p = 0; p <= maxPriority && (needMessages > 0 || needBytes > 0); p++) {
            for (Entry entry : queues[p]) {
                if (entry.state == Entry.QUEUED) {
                    victims.add(entry);
                    needMessages--;
                    needBytes -= entry.size;
                    if (needMessages <= 0 && needBytes <= 0) {
                        break;
                    }
                }
            }
        }
        return needMessages > 0 || needBytes > 0 ? null : victims;
    }

    /** @return the earliest acceptance time held, or {@code now} when empty */
    long oldestAcceptedAt(long now) {
        long oldest = now;
        for (ArrayDeque<Entry> queue : queues) {
            for (Entry entry : queue) {
                if (entry.state != Entry.GONE) {
                    oldest = Math.min(oldest, entry.acceptedAt);
                    break;
                }
            }
        }
        return oldest;
    }

    /** @return the sequences held, ascending */
    long[] liveSequences(int expected) {
        long[] live = new long[expected];
        int n = 0;
        for (ArrayDeque<Entry> queue : queues) {
            for (Entry entry : queue) {
                if (entry.state != Entry.GONE) {
                    if (n == live.length) {
                        live = Arrays.copyOf(live, n * 2 + 1);
                    }
                    live[n++] = entry.seq;
                }
            }
        }
        live = Arrays.copyOf(live, n);
        Arrays.sort(live);
        return live;
    }

    /** @return up to {@code max} held messages in hand-out order, one line each, no payloads */
    List<String> describe(int max) {
        List<String> out = new ArrayList<>();
        for (int p = 9; p >= 0 && out.size() < max; p--) {
            for (Entry entry : queues[p]) {
                if (out.size() == max) {
                    break;
                }
                if (entry.state != Entry.GONE) {
                    out.add(entry.seq + " p" + entry.priority + " key=" + (entry.key.isEmpty() ? "(gateway)" : entry.key)
                            + " " + entry.size + " bytes, accepted " + Instant.ofEpochMilli(entry.acceptedAt)
                            + (entry.expiresAt == 0 ? "" : ", expires " + Instant.ofEpochMilli(entry.expiresAt))
                            + (entry.state == Entry.IN_FLIGHT ? " (in flight)" : ""));
                }
            }
        }
        return out;
    }
}
