package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Heap held per queued message: a journal filled with N messages (grouped sync), then the used
 * heap after a full GC against the same journal empty; then the journal closed and opened again
 * (recovery rebuilds the index from the files: the peak of a restart during an outage) and the
 * same measurement. Usage: {@code SpoolHeap WORK_DIR [N [PAYLOAD_BYTES]]}. Run it with the
 * gateway's {@code -Xmx128m} to see that N messages fit.
 */
public final class SpoolHeap {

    private SpoolHeap() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int payloadBytes = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path dir = Path.of(args[0]);
        JournalSettings settings = new JournalSettings(10_000_000, 1L << 40, 64 * 1024, 8L << 20,
                JournalSettings.OverflowPolicy.REFUSE, false, 1000, Duration.ofMillis(200));
        long base = used();
        try (Journal journal = Journal.open(dir, settings, Clock.systemUTC())) {
            long empty = used();
            byte[] payload = new byte[payloadBytes];
            for (int i = 0; i < n; i++) {
                String key = "meter-" + (i % 50);
                journal.append(new SpoolMessage(key, "d/" + key + "/telemetry", payload, i % 10, Instant.now(), null));
            }
            print("appended", n, used() - empty);
        }
        long started = System.nanoTime();
        try (Journal journal = Journal.open(dir, settings, Clock.systemUTC())) {
            long openMs = (System.nanoTime() - started) / 1_000_000;
            long held = journal.stats().messages();
            if (held != n) {
                throw new IllegalStateException("recovered " + held + " messages, expected " + n);
            }
            print("recovered in " + openMs + " ms", n, used() - base);
        }
        Runtime runtime = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "max heap %.0f MiB%n", runtime.maxMemory() / 1048576.0);
    }

    private static void print(String what, int n, long bytes) {
        System.out.printf(Locale.ROOT, "%s: %d messages held, %.1f MiB of heap, %.1f bytes per message%n", what, n,
                bytes / 1048576.0, bytes / (double) n);
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
