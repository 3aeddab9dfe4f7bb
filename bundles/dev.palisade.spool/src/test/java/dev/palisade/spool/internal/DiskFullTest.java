package dev.palisade.spool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system: a 2 MiB tmpfs mounted for the test (needs root, as {@code ./palisade
 * test} runs on the build machines; without root the test fails and says so). Producers get
 * NO_SPACE with a message naming the file; nothing accepted before is lost, across a restart too.
 */
class DiskFullTest {

    @TempDir
    Path base;

    private Path mount;

    @BeforeEach
    void mountASmallFileSystem() throws Exception {
        mount = base.resolve("tiny");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail("DiskFullTest needs root to mount a 2 MiB tmpfs (mount -t tmpfs -o size=2m) and fill it: " + out.trim());
        }
    }

    @AfterEach
    void unmount() throws Exception {
        new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
    }

    @Test
    void aFullDiskRefusesWithNoSpaceAndLosesNothingAccepted() throws Exception {
        JournalSettings settings = new JournalSettings(1_000_000, 1L << 30, 64 * 1024, 256 * 1024,
                JournalSettings.OverflowPolicy.REFUSE, true, 1, Duration.ofMillis(100));
        Path dir = mount.resolve("spool");
        Map<Long, Long> accepted = new HashMap<>();
        Set<Long> acked = new HashSet<>();
        UpstreamException refused = null;
        try (Journal journal = Journal.open(dir, settings, Clock.systemUTC())) {
            for (int i = 0; i < 10_000 && refused == null; i++) {
                byte[] payload = ("message " + i + " ").repeat(40).getBytes(StandardCharsets.UTF_8);
                try {
                    accepted.put(journal.append(new SpoolMessage("m", "d/m/telemetry", payload, i % 10, Instant.now(),
                            null)), Fixtures.crc(payload));
                } catch (UpstreamException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "2 MiB filled without an error");
            assertEquals(UpstreamException.Reason.NO_SPACE, refused.reason(), refused.getMessage());
            assertTrue(refused.getMessage().startsWith("no space left on the file system of " + dir), refused.getMessage());
            assertTrue(refused.getMessage().contains("messages already accepted are kept"), refused.getMessage());
            assertTrue(accepted.size() > 1000, accepted.size() + " accepted before the disk filled");
            HealthReport health = new SpoolComponentHealthProbe(journal).report();
            assertEquals(Health.DOWN, health.health());
            assertTrue(health.summary().contains("no space left"), health.summary());

            // Still full: another attempt fails the same way, and the link still drains everything.
            UpstreamException again = null;
            try {
                journal.append(new SpoolMessage("m", "d/m/telemetry", new byte[4000], 4, Instant.now(), null));
            } catch (UpstreamException e) {
                again = e;
            }
            assertTrue(again != null && again.reason() == UpstreamException.Reason.NO_SPACE);
            List<SpoolEntry> all = journal.next(1_000_000, key -> true, Duration.ZERO);
            assertEquals(accepted.keySet(), seqs(all));
            for (SpoolEntry entry : all.subList(0, all.size() / 2)) {
                journal.ack(entry.sequence());
                acked.add(entry.sequence());
            }
            for (SpoolEntry entry : all.subList(all.size() / 2, all.size())) {
                journal.release(entry.sequence());
            }
        }
        try (Journal journal = Journal.open(dir, settings, Clock.systemUTC())) {
            List<SpoolEntry> all = journal.next(1_000_000, key -> true, Duration.ZERO);
            Map<Long, SpoolEntry> bySeq = new HashMap<>();
            all.forEach(e -> bySeq.put(e.sequence(), e));
            for (Map.Entry<Long, Long> message : accepted.entrySet()) {
                if (!acked.contains(message.getKey())) {
                    SpoolEntry found = bySeq.get(message.getKey());
                    assertTrue(found != null, "message " + message.getKey() + " accepted before the disk filled is lost");
                    assertEquals(message.getValue(), Fixtures.crc(found.message().payload()));
                }
            }
            // The hub comes back and takes everything: once the sent segments are gone, there is room again.
            for (SpoolEntry entry : all) {
                journal.ack(entry.sequence());
            }
            journal.compact();
            journal.append(new SpoolMessage("m", "d/m/telemetry", new byte[4000], 4, Instant.now(), null));
            assertEquals(null, journal.failure());
        }
    }

    private static Set<Long> seqs(List<SpoolEntry> entries) {
        Set<Long> out = new HashSet<>();
        entries.forEach(e -> out.add(e.sequence()));
        return out;
    }

    /** The spool's health as palisade:status shows it, for a bare journal. */
    private record SpoolComponentHealthProbe(Journal journal) {
        HealthReport report() {
            return SpoolHealth.report(journal, SpoolComponent.SyncPolicy.EVERY_MESSAGE, Instant.now());
        }
    }
}
