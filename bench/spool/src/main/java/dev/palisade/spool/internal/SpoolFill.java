package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Fills a spool directory with N telemetry messages as the spool component writes them (50
 * children, priority 4), for a gateway to open afterwards: what an outage of N messages leaves
 * on disk. Usage: {@code SpoolFill SPOOL_DIR N [PAYLOAD_BYTES]}.
 */
public final class SpoolFill {

    private SpoolFill() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        byte[] payload = new byte[args.length > 2 ? Integer.parseInt(args[2]) : 200];
        JournalSettings settings = new JournalSettings(n + 1L, 1L << 40, 256 * 1024, 8L << 20,
                JournalSettings.OverflowPolicy.REFUSE, false, 1000, Duration.ofMillis(200));
        try (Journal journal = Journal.open(Path.of(args[0]), settings, Clock.systemUTC())) {
            for (int i = 0; i < n; i++) {
                String child = "meter-" + (i % 50);
                journal.append(new SpoolMessage(child, "d/" + child + "/telemetry", payload, 4, Instant.now(), null));
            }
            journal.syncNow();
            System.out.println(journal.stats().messages() + " messages in " + args[0]);
        }
    }
}
