package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Heap held per queued message: a journal filled with N messages (grouped sync), then the used
 * heap after a full GC, against the same journal empty. Usage: {@code SpoolHeap WORK_DIR [N]}.
 */
public final class SpoolHeap {

    private SpoolHeap() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        JournalSettings settings = new JournalSettings(10_000_000, 1L << 40, 64 * 1024, 8L << 20,
                JournalSettings.OverflowPolicy.REFUSE, false, 1000, Duration.ofMillis(200));
        try (Journal journal = Journal.open(Path.of(args[0]), settings, Clock.systemUTC())) {
            long empty = used();
            byte[] payload = new byte[200];
            for (int i = 0; i < n; i++) {
                String key = "meter-" + (i % 50);
                journal.append(new SpoolMessage(key, "d/" + key + "/telemetry", payload, i % 10, Instant.now(), null));
            }
            long full = used();
            System.out.printf(Locale.ROOT, "%d messages held: %.1f MiB of heap, %.0f bytes per message%n", n,
                    (full - empty) / 1048576.0, (full - empty) / (double) n);
        }
    }

    private static long used() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
