package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.zip.CRC32C;

/** Settings, messages and a clock for journal tests. */
final class Fixtures {

    private Fixtures() {
    }

    static JournalSettings settings() {
        return settings(1000, 1 << 20, JournalSettings.OverflowPolicy.DROP_OLDEST, true);
    }

    static JournalSettings settings(long maxMessages, long maxBytes, JournalSettings.OverflowPolicy overflow,
            boolean every) {
        return new JournalSettings(maxMessages, maxBytes, 64 * 1024, 8192, overflow, every, 10,
                Duration.ofMillis(100));
    }

    static SpoolMessage message(String key, int priority, String text, Instant now) {
        return new SpoolMessage(key, "d/" + key + "/telemetry", text.getBytes(StandardCharsets.UTF_8), priority, now,
                null);
    }

    static String text(SpoolEntry entry) {
        return new String(entry.message().payload(), StandardCharsets.UTF_8);
    }

    static List<String> texts(List<SpoolEntry> entries) {
        return entries.stream().map(Fixtures::text).toList();
    }

    static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
