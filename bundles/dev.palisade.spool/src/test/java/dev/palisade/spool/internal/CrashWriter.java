package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link CrashTest}: appends messages to a journal as fast as it can and
 * prints {@code accepted SEQ CRC} after each append returned, and {@code acked SEQ} before each
 * acknowledgement (as a hub records a message before it acknowledges it), until it is killed. Usage: {@code CrashWriter DIRECTORY every|grouped SEED}.
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        boolean every = args[1].equals("every");
        JournalSettings settings = new JournalSettings(10_000_000, 1L << 40, 64 * 1024, 256 * 1024,
                JournalSettings.OverflowPolicy.REFUSE, every, 50, Duration.ofMillis(50));
        Random random = new Random(Long.parseLong(args[2]));
        PrintStream out = new PrintStream(System.out, false);
        try (Journal journal = Journal.open(Path.of(args[0]), settings, Clock.systemUTC())) {
            out.println("ready");
            out.flush();
            for (long i = 0;; i++) {
                byte[] payload = new byte[16 + random.nextInt(2000)];
                random.nextBytes(payload);
                ByteBuffer.wrap(payload).putLong(0, i);
                long seq = journal.append(new SpoolMessage("child-" + (i % 5), "d/child-" + (i % 5) + "/telemetry",
                        payload, (int) (i % 10), Instant.now(), null));
                out.println("accepted " + seq + " " + Fixtures.crc(payload));
                out.flush();
                if (i % 10 == 9) {
                    List<SpoolEntry> taken = journal.next(5, key -> true, Duration.ZERO);
                    for (SpoolEntry entry : taken) {
                        // Said before it is done: a kill between the two must not look like a loss.
                        out.println("acked " + entry.sequence());
                        out.flush();
                        journal.ack(entry.sequence());
                    }
                }
            }
        }
    }
}
