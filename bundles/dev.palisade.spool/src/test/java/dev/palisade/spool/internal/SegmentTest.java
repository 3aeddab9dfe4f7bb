package dev.palisade.spool.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segment's file handle against NIO's rule that one thread's interrupt closes a channel for all. */
class SegmentTest {

    @TempDir
    Path dir;

    @Test
    void aChannelClosedByAnotherThreadsInterruptIsReopenedForReadsUntilTheJournalClosesTheSegment() throws Exception {
        Segment segment = Segment.create(dir, 1, 64 * 1024);
        byte[] record = "a record".getBytes(StandardCharsets.UTF_8);
        segment.write(ByteBuffer.wrap(record), 64 * 1024);
        segment.size += record.length;

        Thread interrupted = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                segment.channel.read(ByteBuffer.allocate(1), 0);
            } catch (IOException expected) {
                // ClosedByInterruptException: the channel is now closed for every thread
            }
        });
        interrupted.start();
        interrupted.join();
        assertFalse(segment.channel.isOpen(), "the interrupt closed the channel");

        ByteBuffer read = segment.read(0, record.length);
        assertArrayEquals(record, read.array(), "read from the reopened file");

        segment.close();
        assertThrows(ClosedChannelException.class, () -> segment.read(0, record.length),
                "a segment the journal closed stays closed");
    }
}
