package dev.palisade.spool.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process appending to the journal is killed with SIGKILL in the middle of the stream,
 * three times over on the same directory. After each kill, every message the process was told
 * was accepted and did not acknowledge is in the journal with its exact payload (checksummed),
 * and at most the one append in progress at the kill is there besides.
 */
class CrashTest {

    @TempDir
    Path dir;

    private final Map<Long, Long> accepted = new HashMap<>();
    private final Set<Long> acked = new HashSet<>();

    @Test
    void everyAcceptedMessageSurvivesSigkillMidStream() throws Exception {
        killMidStream("every", 1, 1500);
        killMidStream("every", 2, 1500);
        // Grouped sync survives a process kill too: every write reached the kernel before append returned.
        killMidStream("grouped", 3, 3000);
    }

    private void killMidStream(String sync, long seed, int acceptedBeforeKill) throws Exception {
        String classpath = String.join(File.pathSeparator, location(Journal.class), location(CrashWriter.class),
                location(SpoolMessage.class), location(org.slf4j.Logger.class),
                location(org.slf4j.impl.StaticLoggerBinder.class));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, CrashWriter.class.getName(),
                dir.toString(), sync, Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int seen = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            boolean killed = false;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts[0].equals("accepted")) {
                    accepted.put(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                    if (++seen == acceptedBeforeKill && !killed) {
                        // kill(1), not destroyForcibly(): that closes our end of the pipe, and the lines
                        // already in it (messages accepted before the kill) must still be read.
                        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor());
                        killed = true;
                    }
                } else if (parts[0].equals("acked")) {
                    acked.add(Long.parseLong(parts[1]));
                }
            }
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "the writer died of SIGKILL, not of an error (see its stderr above)");
        assertTrue(seen >= acceptedBeforeKill, "the writer accepted " + seen + " messages before dying");

        try (Journal journal = Journal.open(dir, Fixtures.settings(), Clock.systemUTC())) {
            List<SpoolEntry> all = journal.next(1_000_000, key -> true, Duration.ZERO);
            Map<Long, SpoolEntry> bySeq = new HashMap<>();
            for (SpoolEntry entry : all) {
                bySeq.put(entry.sequence(), entry);
            }
            int extra = 0;
            for (SpoolEntry entry : all) {
                if (!accepted.containsKey(entry.sequence())) {
                    extra++;
                    accepted.put(entry.sequence(), Fixtures.crc(entry.message().payload()));
                }
            }
            assertTrue(extra <= 1, extra + " messages in the journal were never reported accepted");
            for (Map.Entry<Long, Long> message : accepted.entrySet()) {
                SpoolEntry found = bySeq.get(message.getKey());
                if (acked.contains(message.getKey())) {
                    continue; // may be back (its acknowledgement was lazy): a duplicate, allowed
                }
                assertTrue(found != null, "accepted message " + message.getKey() + " lost after SIGKILL");
                assertEquals(message.getValue(), Fixtures.crc(found.message().payload()),
                        "payload of message " + message.getKey());
            }
            // Put them back for the next round (in-flight state is not persisted anyway).
        }
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
