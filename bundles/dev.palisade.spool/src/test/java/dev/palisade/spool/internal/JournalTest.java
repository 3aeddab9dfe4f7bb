package dev.palisade.spool.internal;

import static dev.palisade.spool.internal.Fixtures.message;
import static dev.palisade.spool.internal.Fixtures.settings;
import static dev.palisade.spool.internal.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.SpoolStats;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.spool.internal.JournalSettings.OverflowPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    @TempDir
    Path dir;

    private final Fixtures.MutableClock clock = new Fixtures.MutableClock(T0);

    private Journal open() throws IOException {
        return Journal.open(dir, settings(), clock);
    }

    private static List<SpoolEntry> all(Journal journal) throws InterruptedException {
        return journal.next(100_000, key -> true, Duration.ZERO);
    }

    @Test
    void aMessageLeavesOnlyWhenAcknowledgedAndReleasedOnesComeBackInTheirPlace() throws Exception {
        try (Journal journal = open()) {
            long a = journal.append(message("m1", 4, "a", T0));
            long b = journal.append(message("m1", 4, "b", T0));
            long c = journal.append(message("m1", 4, "c", T0));
            assertTrue(a > 0 && b > a && c > b, "sequences increase");

            List<SpoolEntry> first = journal.next(2, key -> true, Duration.ZERO);
            assertEquals(List.of("a", "b"), texts(first));
            assertEquals(2, journal.stats().inFlight());
            assertEquals(List.of("c"), texts(all(journal)), "in-flight messages are not handed out twice");

            journal.ack(a);
            journal.release(b);
            journal.release(c);
            journal.ack(a); // ignored: already gone
            assertEquals(List.of("b", "c"), texts(all(journal)), "released messages come back in append order");
            SpoolStats stats = journal.stats();
            assertEquals(2, stats.messages());
            assertEquals(2, stats.bytes());
            journal.ack(b);
            journal.ack(c);
            assertEquals(0, journal.stats().messages());
            assertEquals(List.of(), all(journal));
        }
    }

    @Test
    void anInterruptedProducerOrReaderDoesNotCloseTheJournalForEveryoneElse() throws Exception {
        try (Journal journal = open()) {
            journal.append(message("m1", 4, "before", T0));
            // A producer whose thread is being stopped (interrupted) still appends, keeps its
            // interrupt, and does not close the segment's channel (NIO closes it on interrupt).
            Thread.currentThread().interrupt();
            try {
                journal.append(message("m1", 4, "while-stopping", T0));
                assertTrue(Thread.currentThread().isInterrupted(), "the producer's interrupt is restored");
            } finally {
                Thread.interrupted();
            }
            journal.append(message("m1", 4, "after", T0));
            // A reader (the link) interrupted before it asks: it is told so, and nothing is taken or lost.
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> journal.next(10, key -> true, Duration.ZERO));
            assertEquals(0, journal.stats().inFlight());
            List<SpoolEntry> read = journal.next(10, key -> true, Duration.ZERO);
            assertEquals(List.of("before", "while-stopping", "after"), texts(read));
            assertEquals(0, journal.stats().dropped(), "nothing discarded as unreadable");
            journal.append(message("m1", 4, "later", T0));
            read.forEach(e -> journal.release(e.sequence()));
            assertEquals(List.of("before", "while-stopping", "after", "later"), texts(all(journal)));
        }
    }

    @Test
    void mostUrgentPriorityFirstThenAppendOrder() throws Exception {
        try (Journal journal = open()) {
            journal.append(message("x", 0, "low-1", T0));
            journal.append(message("x", 9, "alarm-1", T0));
            journal.append(message("y", 4, "mid-1", T0));
            journal.append(message("x", 0, "low-2", T0));
            journal.append(message("y", 9, "alarm-2", T0));
            journal.append(message("x", 4, "mid-2", T0));
            assertEquals(List.of("alarm-1", "alarm-2", "mid-1", "mid-2", "low-1", "low-2"), texts(all(journal)));
        }
    }

    @Test
    void onlyEligibleKeysAreHandedOutTheOthersWait() throws Exception {
        try (Journal journal = open()) {
            journal.append(message("unenrolled", 9, "held", T0));
            journal.append(message("enrolled", 0, "sent", T0));
            assertEquals(List.of("sent"), texts(journal.next(10, "enrolled"::equals, Duration.ZERO)));
            assertEquals(List.of("held"), texts(all(journal)));
        }
    }

    @Test
    void nextWaitsForAnAppend() throws Exception {
        try (Journal journal = open()) {
            CompletableFuture<List<SpoolEntry>> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return journal.next(1, key -> true, Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(100);
            journal.append(message("m", 4, "late", T0));
            assertEquals(List.of("late"), texts(waiting.get(5, TimeUnit.SECONDS)));
        }
    }

    @Test
    void expiredMessagesAreDiscardedUnsentAndCounted() throws Exception {
        try (Journal journal = open()) {
            journal.append(new SpoolMessage("m", "d/m/telemetry", "short".getBytes(), 4, T0, T0.plusSeconds(10)));
            journal.append(new SpoolMessage("m", "d/m/telemetry", "long".getBytes(), 4, T0, T0.plusSeconds(100)));
            journal.append(message("m", 4, "forever", T0));
            clock.advance(Duration.ofSeconds(10));
            assertEquals(List.of("long", "forever"), texts(all(journal)));
            SpoolStats stats = journal.stats();
            assertEquals(1, stats.expired());
            assertEquals(2, stats.messages());
        }
        clock.advance(Duration.ofSeconds(100));
        try (Journal journal = open()) {
            journal.expireNow();
            assertEquals(1, journal.stats().expired(), "the sweep expires queued messages without a reader");
            assertEquals(List.of("forever"), texts(all(journal)));
        }
    }

    @Test
    void dropOldestDropsTheOldestOfTheLowestPriorityNeverAMoreUrgentOneNorOneInFlight() throws Exception {
        try (Journal journal = Journal.open(dir, settings(4, 1 << 20, OverflowPolicy.DROP_OLDEST, true), clock)) {
            journal.append(message("m", 2, "p2-old", T0));
            journal.append(message("m", 1, "p1-old", T0));
            journal.append(message("m", 1, "p1-new", T0));
            journal.append(message("m", 5, "p5", T0));
            journal.append(message("m", 3, "p3"
                    , T0));
            SpoolStats stats = journal.stats();
            assertEquals(4, stats.messages());
            assertEquals(1, stats.dropped());
            List<SpoolEntry> held = all(journal);
            assertEquals(List.of("p5", "p3", "p2-old", "p1-new"), texts(held));
            // Everything is in flight now: nothing may be dropped for a new message.
            UpstreamException full = assertThrows(UpstreamException.class,
                    () -> journal.append(message("m", 9, "alarm", T0)));
            assertEquals(UpstreamException.Reason.SPOOL_FULL, full.reason());
            assertTrue(full.getMessage().contains("in flight"), full.getMessage());
            for (SpoolEntry entry : held) {
                journal.release(entry.sequence());
            }
            // A message less urgent than all held ones is refused rather than dropping an alarm.
            UpstreamException lower = assertThrows(UpstreamException.class,
                    () -> journal.append(message("m", 0, "p0", T0)));
            assertTrue(lower.getMessage().contains("more urgent than priority 0"), lower.getMessage());
        }
    }

    @Test
    void dropOldestAlsoMakesRoomByBytes() throws Exception {
        try (Journal journal = Journal.open(dir, settings(100, 10, OverflowPolicy.DROP_OLDEST, true), clock)) {
            journal.append(message("m", 4, "aaaa", T0));
            journal.append(message("m", 4, "bbbb", T0));
            journal.append(message("m", 4, "cccccc", T0));
            assertEquals(List.of("bbbb", "cccccc"), texts(all(journal)));
            assertEquals(1, journal.stats().dropped());
            assertEquals(10, journal.stats().bytes());
        }
    }

    @Test
    void refusePolicyRefusesWithAClearErrorAndKeepsEverything() throws Exception {
        try (Journal journal = Journal.open(dir, settings(2, 1 << 20, OverflowPolicy.REFUSE, true), clock)) {
            journal.append(message("m", 0, "a", T0));
            journal.append(message("m", 0, "b", T0));
            UpstreamException full = assertThrows(UpstreamException.class,
                    () -> journal.append(message("m", 9, "c", T0)));
            assertEquals(UpstreamException.Reason.SPOOL_FULL, full.reason());
            assertEquals("the spool is full (2 of 2 messages, 2 of 1048576 bytes) and its overflow policy refuses new"
                    + " messages; message for 'd/m/telemetry' not accepted", full.getMessage());
            assertEquals(List.of("a", "b"), texts(all(journal)));
            assertEquals(0, journal.stats().dropped());
        }
    }

    @Test
    void aMessageAboveTheSizeLimitIsRefusedAsTooLarge() throws Exception {
        try (Journal journal = open()) {
            UpstreamException e = assertThrows(UpstreamException.class, () -> journal.append(new SpoolMessage("m",
                    "d/m/telemetry", new byte[64 * 1024 + 1], 4, T0, null)));
            assertEquals(UpstreamException.Reason.TOO_LARGE, e.reason());
            assertTrue(e.getMessage().contains("65537 bytes"), e.getMessage());
        }
    }

    @Test
    void afterARestartUnacknowledgedAndInFlightMessagesAreBackAndAcknowledgedOnesAreNot() throws Exception {
        long last;
        try (Journal journal = open()) {
            for (int i = 0; i < 500; i++) {
                journal.append(message("k" + (i % 7), i % 10, "m" + i, T0));
            }
            List<SpoolEntry> some = journal.next(300, key -> true, Duration.ZERO);
            for (int i = 0; i < 200; i++) {
                journal.ack(some.get(i).sequence());
            }
            journal.syncNow();
            last = journal.append(message("k", 4, "last", T0));
            assertTrue(journal.segmentCount() > 2, "the test spans several segments");
        }
        try (Journal journal = open()) {
            assertEquals(301, journal.stats().messages());
            List<SpoolEntry> back = all(journal);
            assertEquals(301, back.size());
            List<Long> sequences = back.stream().map(SpoolEntry::sequence).toList();
            assertEquals(sequences.stream().distinct().count(), sequences.size());
            long next = journal.append(message("k", 4, "after", T0));
            assertTrue(next > last, "sequences keep increasing across a restart: " + next + " > " + last);
        }
    }

    @Test
    void fullySentSegmentsAreDeletedAndAcknowledgementsInThemSurviveThroughTheCheckpoint() throws Exception {
        String big = "x".repeat(1000);
        try (Journal journal = open()) {
            journal.append(message("slow", 0, "keeper", T0)); // stays in segment 1 forever
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 10; i++) {
                    journal.append(message("m", 5, big, T0));
                }
                for (SpoolEntry entry : journal.next(10, "m"::equals, Duration.ZERO)) {
                    journal.ack(entry.sequence());
                }
            }
            int before = journal.segmentCount();
            journal.compact();
            assertTrue(journal.segmentCount() < before, "segments " + before + " -> " + journal.segmentCount());
            assertEquals(1, journal.stats().messages());
        }
        try (Journal journal = open()) {
            assertEquals(List.of("keeper"), texts(all(journal)));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals(Checkpoint.FILE)));
        }
    }

    @Test
    void groupedSyncStillKeepsEverythingAcrossACleanRestart() throws Exception {
        List<String> sent = new ArrayList<>();
        try (Journal journal = Journal.open(dir, settings(1000, 1 << 20, OverflowPolicy.REFUSE, false), clock)) {
            for (int i = 0; i < 37; i++) {
                journal.append(message("m", 4, "g" + i, T0));
                sent.add("g" + i);
            }
        }
        try (Journal journal = open()) {
            assertEquals(sent, texts(all(journal)));
        }
    }

    @Test
    void aSecondJournalOnTheSameDirectoryIsRefused() throws Exception {
        try (Journal journal = open()) {
            IOException e = assertThrows(IOException.class, this::open);
            assertTrue(e.getMessage().contains("in use by another spool"), e.getMessage());
        }
    }

    @Test
    void peekListsInHandOutOrderWithoutTakingAnything() throws Exception {
        try (Journal journal = open()) {
            journal.append(message("a", 1, "one", T0));
            journal.append(message("b", 7, "two", T0));
            List<String> peek = journal.peek(10);
            assertEquals(2, peek.size());
            assertTrue(peek.get(0).contains("p7 key=b 3 bytes"), peek.get(0));
            assertEquals(0, journal.stats().inFlight());
        }
    }

    @Test
    void thousandsOfDepartedEntriesBehindAHeldOneAreReclaimedWhileOrderHolds() throws Exception {
        try (Journal journal = Journal.open(dir, settings(100_000, 1 << 26, OverflowPolicy.REFUSE, false), clock)) {
            journal.append(message("held", 4, "held", T0));
            for (int i = 0; i < 3000; i++) {
                journal.append(new SpoolMessage("m", "d/m/telemetry", ("short" + i).getBytes(), 4, T0,
                        T0.plusSeconds(10)));
                journal.append(message("m", 4, "kept" + i, T0));
            }
            clock.advance(Duration.ofSeconds(10));
            List<SpoolEntry> kept = journal.next(10_000, "m"::equals, Duration.ZERO);
            assertEquals(3000, kept.size());
            assertEquals("kept0", Fixtures.text(kept.get(0)));
            assertEquals("kept2999", Fixtures.text(kept.get(2999)));
            assertEquals(3000, journal.stats().expired());
            for (SpoolEntry entry : kept.subList(0, 2000)) {
                journal.ack(entry.sequence());
            }
            for (SpoolEntry entry : kept.subList(2000, 3000)) {
                journal.release(entry.sequence());
            }
            List<SpoolEntry> rest = all(journal);
            assertEquals("held", Fixtures.text(rest.get(0)));
            assertEquals(1001, rest.size());
            assertEquals("kept2000", Fixtures.text(rest.get(1)));
        }
    }

    @Test
    void segmentsAllocatedStepByStepAheadOfTheWriterRecoverEveryRecordFromACrashSnapshot() throws Exception {
        JournalSettings big = new JournalSettings(100_000, 1 << 26, 64 * 1024, 4L << 20, OverflowPolicy.REFUSE, false,
                100, Duration.ofMillis(100));
        Path snapshot = dir.resolve("snapshot");
        Path live = dir.resolve("live");
        List<String> sent = new ArrayList<>();
        try (Journal journal = Journal.open(live, big, clock)) {
            for (int i = 0; i < 12_000; i++) { // about 3 MiB: crosses several 1 MiB allocation steps
                journal.append(message("m", 4, "message-" + i + "-" + "x".repeat(200), T0));
                sent.add("message-" + i + "-" + "x".repeat(200));
            }
            journal.syncNow();
            // What a power cut leaves: the files as they are, zero-filled allocation tail included.
            Files.createDirectories(snapshot);
            try (Stream<Path> files = Files.list(live)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (f.getFileName().toString().endsWith(Segment.SUFFIX)) {
                        assertTrue(Files.size(f) % Journal.ALLOCATION_STEP == 0 || Files.size(f) > 3_000_000,
                                f + " has " + Files.size(f) + " bytes");
                        Files.copy(f, snapshot.resolve(f.getFileName()));
                    }
                }
            }
        }
        try (Journal journal = Journal.open(snapshot, big, clock)) {
            assertEquals(sent, texts(all(journal)));
        }
    }

    @Test
    void manyMessagesAcrossIndexChunksAndSegmentsComeBackExactlyAfterScatteredAcksAndARestart() throws Exception {
        // Enough for several index chunks per priority and several segments; acknowledgements in
        // hand-out order and scattered ones, so that whole chunks go and queues get rewritten.
        JournalSettings settings = new JournalSettings(1_000_000, 1L << 30, 64 * 1024, 64 * 1024,
                OverflowPolicy.REFUSE, false, 1000, Duration.ofMillis(200));
        List<String> expected = new ArrayList<>();
        try (Journal journal = Journal.open(dir, settings, clock)) {
            for (int i = 0; i < 30_000; i++) {
                journal.append(message("m" + (i % 7), i % 3, "t" + i, T0));
            }
            List<SpoolEntry> taken = all(journal);
            assertEquals(30_000, taken.size());
            for (int n = 0; n < taken.size(); n++) {
                SpoolEntry entry = taken.get(n);
                if (n < 12_000 || n % 5 != 0) {
                    journal.ack(entry.sequence());
                } else {
                    journal.release(entry.sequence());
                    expected.add(Fixtures.text(entry));
                }
            }
            journal.compact();
            assertEquals(expected, texts(all(journal)));
            assertEquals(expected.size(), journal.stats().messages());
        }
        try (Journal journal = Journal.open(dir, settings, clock)) {
            assertEquals(expected.size(), journal.stats().messages());
            assertEquals(expected, texts(all(journal)), "the same messages in the same order after a restart");
        }
    }
}
