package dev.palisade.spool.internal;

import static dev.palisade.spool.internal.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut leaves a segment cut anywhere, or followed by zeros or garbage. Recovery must keep
 * every complete record, never hand out a torn one, and honour every complete REMOVE record.
 */
class TornWriteTest {

    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");
    private static final JournalSettings ONE_SEGMENT = new JournalSettings(10_000, 1 << 24, 16 * 1024, 64 * 1024,
            JournalSettings.OverflowPolicy.REFUSE, true, 1, Duration.ofMillis(100));

    @TempDir
    Path work;

    private final Fixtures.MutableClock clock = new Fixtures.MutableClock(T0);
    private byte[] segment;
    private String segmentName;
    /** What a reader of the file sees record by record: end offset, then DATA text or REMOVE seq. */
    private final List<long[]> ends = new ArrayList<>();
    private final Map<Long, String> textBySeq = new LinkedHashMap<>();

    @BeforeEach
    void writeAJournal() throws Exception {
        Path original = work.resolve("original");
        Random random = new Random(42);
        try (Journal journal = Journal.open(original, ONE_SEGMENT, clock)) {
            for (int i = 0; i < 30; i++) {
                // Varied sizes so that cut points fall in headers, keys, topics and payloads.
                String text = "m" + i + "-" + "p".repeat(random.nextInt(40));
                long seq = journal.append(new SpoolMessage("child-" + (i % 3), "d/child-" + (i % 3) + "/telemetry",
                        text.getBytes(StandardCharsets.UTF_8), i % 10, T0, null));
                textBySeq.put(seq, text);
                if (i % 4 == 3) {
                    // Acknowledge the oldest in flight: REMOVE records interleave with DATA.
                    List<SpoolEntry> taken = journal.next(1, key -> true, Duration.ZERO);
                    journal.ack(taken.get(0).sequence());
                }
            }
        }
        try (var files = Files.list(original)) {
            Path last = files.filter(f -> Segment.idOf(f) >= 0).filter(f -> f.toFile().length() > 0)
                    .reduce((a, b) -> b).orElseThrow();
            segment = Files.readAllBytes(last);
            segmentName = last.getFileName().toString();
        }
        ByteBuffer b = ByteBuffer.wrap(segment);
        int offset = 0;
        while (offset < segment.length) {
            int length = Records.HEADER + b.getInt(offset);
            byte type = b.get(offset + 8);
            long seq = b.getLong(offset + Records.HEADER);
            ends.add(new long[] {offset + length, type, seq});
            offset += length;
        }
        assertEquals(segment.length, offset);
    }

    /** @return the texts a reader must get from the first {@code cut} bytes: complete DATA minus complete REMOVE */
    private List<String> expectedAt(long cut) {
        Map<Long, String> live = new LinkedHashMap<>();
        for (long[] record : ends) {
            if (record[0] > cut) {
                break;
            }
            if (record[1] == Records.DATA) {
                live.put(record[2], textBySeq.get(record[2]));
            } else {
                live.remove(record[2]);
            }
        }
        // Hand-out order: priority descending, then sequence.
        List<Map.Entry<Long, String>> entries = new ArrayList<>(live.entrySet());
        List<Long> order = new ArrayList<>(textBySeq.keySet());
        entries.sort((x, y) -> {
            int px = priorityOf(order.indexOf(x.getKey()));
            int py = priorityOf(order.indexOf(y.getKey()));
            return px != py ? Integer.compare(py, px) : Long.compare(x.getKey(), y.getKey());
        });
        return entries.stream().map(Map.Entry::getValue).toList();
    }

    private static int priorityOf(int index) {
        return index % 10;
    }

    private List<String> recover(byte[] content, String name) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(work, "cut");
        Files.write(dir.resolve(name), content);
        try (Journal journal = Journal.open(dir, ONE_SEGMENT, clock)) {
            List<SpoolEntry> entries = journal.next(100_000, key -> true, Duration.ZERO);
            for (SpoolEntry entry : entries) {
                // A torn record never comes out: what comes out is exactly what was appended.
                assertEquals(textBySeq.get(entry.sequence()), Fixtures.text(entry), "sequence " + entry.sequence());
            }
            return texts(entries);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void truncationAtEveryByteOfTheLastRecordsKeepsEveryCompleteRecordAndNothingTorn() throws Exception {
        // The last ten records (DATA and REMOVE), every byte offset, including inside the header.
        long from = ends.get(ends.size() - 11)[0];
        int checked = 0;
        for (long cut = from; cut <= segment.length; cut++) {
            List<String> expected = expectedAt(cut);
            assertEquals(expected, recover(Arrays.copyOf(segment, (int) cut), segmentName), "cut at byte " + cut);
            checked++;
        }
        assertTrue(checked > 200, "checked " + checked + " cut points");
    }

    @Test
    void aZeroFilledOrGarbageTailIsDiscardedAndEveryCompleteRecordKept() throws Exception {
        List<String> all = expectedAt(segment.length);
        assertEquals(all, recover(concat(segment, new byte[4096]), segmentName), "zero-filled tail");
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            byte[] garbage = new byte[1 + random.nextInt(3000)];
            random.nextBytes(garbage);
            if (round % 3 == 0) {
                // A plausible length in front of the garbage: the checksum must still catch it.
                ByteBuffer.wrap(garbage).putInt(0, Math.min(garbage.length, 40));
            }
            assertEquals(all, recover(concat(segment, garbage), segmentName), "garbage tail, round " + round);
        }
    }

    @Test
    void aBitFlipInTheLastRecordDiscardsThatRecordOnly() throws Exception {
        long lastStart = ends.get(ends.size() - 2)[0];
        for (long at = lastStart; at < segment.length; at++) {
            byte[] damaged = segment.clone();
            damaged[(int) at] ^= 0x10;
            assertEquals(expectedAt(lastStart), recover(damaged, segmentName), "bit flip at byte " + at);
        }
    }

    @Test
    void damageInAnOlderSegmentCostsOnlyTheRestOfThatSegment() throws Exception {
        byte[] damaged = segment.clone();
        long cut = ends.get(5)[0];
        damaged[(int) cut + 3] ^= 0x01;
        Path dir = work.resolve("two");
        Files.createDirectories(dir);
        Files.write(dir.resolve(Segment.fileOf(dir, 1).getFileName()), damaged);
        Files.write(dir.resolve(Segment.fileOf(dir, 2).getFileName()), new byte[0]);
        try (Journal journal = Journal.open(dir, ONE_SEGMENT, clock)) {
            journal.append(new SpoolMessage("later", "d/later/telemetry", "after".getBytes(), 9, T0, null));
        }
        try (Journal journal = Journal.open(dir, ONE_SEGMENT, clock)) {
            List<String> got = new ArrayList<>(texts(journal.next(1000, key -> true, Duration.ZERO)));
            assertTrue(got.remove("after"), "the later segment is kept: " + got);
            assertEquals(expectedAt(cut), got);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
