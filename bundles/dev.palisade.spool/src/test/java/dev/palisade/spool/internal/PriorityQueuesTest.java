package dev.palisade.spool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The index's key table: ids are shared per child, freed when its messages all left, and bounded. */
class PriorityQueuesTest {

    private static List<String> keys(PriorityQueues queues, int priority) {
        List<String> out = new ArrayList<>();
        queues.queue(priority).forEach(slot -> out.add(slot.seq() + "=" + queues.key(slot)));
        return out;
    }

    @Test
    void aChildsKeyIdIsFreedWhenItsLastMessageLeavesAndReusedForAnotherChild() {
        PriorityQueues queues = new PriorityQueues();
        queues.add(1, 4, "meter-a", 1, 0, 0, 10, 1);
        queues.add(2, 4, "meter-b", 1, 0, 10, 10, 1);
        queues.add(3, 5, "meter-a", 1, 0, 20, 10, 1);
        queues.departed(queues.find(4, 1));
        assertEquals(List.of("2=meter-b"), keys(queues, 4));
        assertEquals(List.of("3=meter-a"), keys(queues, 5), "meter-a still has a message: its id is kept");

        queues.departed(queues.find(5, 3));
        queues.departed(queues.find(5, 3)); // twice: counted once
        queues.add(4, 4, "meter-c", 1, 0, 30, 10, 1);
        queues.add(5, 4, "meter-a", 1, 0, 40, 10, 1);
        assertEquals(List.of("2=meter-b", "4=meter-c", "5=meter-a"), keys(queues, 4));
        assertEquals(List.of("2 p4 key=meter-b 1 bytes, accepted 1970-01-01T00:00:00.001Z"), queues.describe(1));
    }

    @Test
    void atMost65536ChildrenAreHeldAtOnce() {
        PriorityQueues queues = new PriorityQueues();
        for (int i = 0; i < 65_536; i++) {
            queues.add(i + 1, 0, "child-" + i, 1, 0, i, 10, 1);
        }
        assertFalse(queues.canHold("one-more"));
        assertTrue(queues.canHold("child-7"), "a child already held can always add");
        assertThrows(IllegalStateException.class, () -> queues.add(70_000, 0, "one-more", 1, 0, 0, 10, 1));
        queues.departed(queues.find(0, 8));
        assertTrue(queues.canHold("one-more"), "once a child's messages all left, another child fits");
        queues.add(70_001, 0, "one-more", 1, 0, 0, 10, 1);
        assertEquals("one-more", queues.key(queues.find(0, 70_001)));
        assertEquals("child-6", queues.key(queues.find(0, 7)));
    }
}
