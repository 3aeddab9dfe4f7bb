package dev.palisade.spool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The columnar index of one priority: what goes in comes out, across chunks, bases and trims. */
class IndexQueueTest {

    private static final long T0 = 1_800_000_000_000L;
    private static final long DAY = 86_400_000L;

    private static List<Long> seqs(IndexQueue queue) {
        List<Long> out = new ArrayList<>();
        queue.forEach(slot -> out.add(slot.seq()));
        return out;
    }

    @Test
    void everyFieldRoundTripsAcrossChunkBoundariesAndRebasedChunks() {
        IndexQueue queue = new IndexQueue(3);
        List<long[]> added = new ArrayList<>();
        long seq = 1L << 40;
        long acceptedAt = T0;
        for (int i = 0; i < 5 * IndexQueue.CHUNK + 7; i++) {
            // Jumps that do not fit an int offset from the chunk's base: a sequence gap above 2^32
            // (many restarts) and a clock step of 30 days (a restart after an RTC fault).
            seq += i == 1500 ? 5_000_000_000L : 1 + i % 3;
            acceptedAt += i == 3000 ? 30 * DAY : i == 4000 ? -30 * DAY : i % 5;
            long expiresAt = switch (i % 4) {
                case 0 -> 0;
                case 1 -> acceptedAt + 60_000;
                case 2 -> acceptedAt + 40 * DAY; // beyond an int of milliseconds
                default -> acceptedAt - 1; // already past at acceptance
            };
            queue.add(seq, i % 70, acceptedAt, expiresAt, 1_000_000_000L + i, 100 + i, i);
            added.add(new long[] {seq, i % 70, acceptedAt, expiresAt, 1_000_000_000L + i, 100 + i, i});
        }
        assertEquals(added.size(), queue.live());
        int[] at = {0};
        queue.forEach(slot -> {
            long[] expected = added.get(at[0]++);
            assertEquals(expected[0], slot.seq());
            assertEquals(expected[1], slot.keyId());
            assertEquals(expected[2], slot.acceptedAt());
            assertEquals(expected[3], slot.expiresAt(), "expiry of " + expected[0]);
            assertEquals(expected[4], slot.offset());
            assertEquals(expected[5], slot.length());
            assertEquals(expected[6], slot.payloadSize());
            assertEquals(3, slot.priority());
            assertEquals(IndexQueue.QUEUED, slot.state());
            return true;
        });
        assertEquals(added.size(), at[0]);
        for (long[] expected : added) {
            IndexQueue.Slot slot = queue.find(expected[0]);
            assertNotNull(slot, "find " + expected[0]);
            assertEquals(expected[4], slot.offset());
        }
        assertNull(queue.find(added.get(0)[0] - 1));
        assertNull(queue.find(added.get(10)[0] + 1000_000_000_000L));
    }

    @Test
    void departedMessagesAreSkippedDroppedByWholeChunksAndRewrittenWhenTheyAreMost() {
        IndexQueue queue = new IndexQueue(0);
        int n = 4 * IndexQueue.CHUNK;
        for (int i = 0; i < n; i++) {
            queue.add(i, 0, T0 + i, i % 2 == 0 ? 0 : T0 + 50 * DAY, i, 10, 1);
        }
        // The whole first chunk leaves (acknowledged in order): dropped by the next trim.
        for (int i = 0; i < IndexQueue.CHUNK; i++) {
            queue.find(i).markGone();
        }
        queue.find(IndexQueue.CHUNK + 1L).state(IndexQueue.IN_FLIGHT);
        queue.trim();
        assertEquals(0, queue.departed());
        assertEquals(3 * IndexQueue.CHUNK, queue.live());
        assertEquals((long) IndexQueue.CHUNK, seqs(queue).get(0));

        // Two thirds of the rest leave, scattered: the queue is rewritten without them.
        for (int i = IndexQueue.CHUNK; i < n; i++) {
            if (i % 3 != 0) {
                queue.find(i).markGone();
            }
        }
        queue.find(IndexQueue.CHUNK + 1L).markGone();
        queue.find(IndexQueue.CHUNK + 5L).state(IndexQueue.IN_FLIGHT);
        queue.trim();
        assertEquals(0, queue.departed());
        List<Long> left = seqs(queue);
        assertEquals(queue.live(), left.size());
        for (long seq : left) {
            assertEquals(0, seq % 3);
            IndexQueue.Slot slot = queue.find(seq);
            assertEquals(seq == IndexQueue.CHUNK + 5L ? IndexQueue.IN_FLIGHT : IndexQueue.QUEUED, slot.state());
            assertEquals(seq % 2 == 0 ? 0 : T0 + 50 * DAY, slot.expiresAt(), "expiry of " + seq + " kept");
            assertEquals(T0 + seq, slot.acceptedAt());
        }
        assertNull(queue.find(IndexQueue.CHUNK + 1L), "a departed message is gone after the rewrite");
    }
}
