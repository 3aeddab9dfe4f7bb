package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.health.Health;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow spool must not slow the pollers: a device polled every 100 ms against pymodbus, its
 * readings handed to the forwarder whose Upstream takes 300 ms per message (a spool fsyncing
 * on a slow card). The polls keep their interval; the forwarder publishes in order on its own
 * thread, drops what its queue cannot hold, counts and reports it, and stops its thread.
 */
class UpstreamForwarderTest {

    @TempDir
    Path dir;

    /** The spool's publishing side, 300 ms a message; records what it was given, in order. */
    static final class SlowUpstream implements Upstream {
        final List<String> telemetry = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public long publish(String childId, String suffix, byte[] payload, PublishOptions options) {
            threads.add(Thread.currentThread().getName());
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (suffix.equals(TELEMETRY)) {
                telemetry.add(new String(payload, StandardCharsets.UTF_8));
            }
            return telemetry.size();
        }
    }

    @Test
    void aSlowSpoolDoesNotStretchThePollIntervalAndWhatItCannotTakeIsDroppedAndCounted() throws Exception {
        SlowUpstream spool = new SlowUpstream();
        UpstreamForwarder forwarder = new UpstreamForwarder(spool, 4);
        List<Instant> polls = new CopyOnWriteArrayList<>();
        DeviceSink toForwarder = new DeviceSink() {
            @Override
            public void readings(ModbusDevice device, List<Reading> readings) {
                polls.add(readings.get(0).timestamp());
                forwarder.readings(device.id(), readings);
            }

            @Override
            public void statusChanged(ModbusDevice device, DeviceStatus previous, DeviceStatus current) {
                forwarder.statusChanged(device.id(), previous, current);
            }
        };
        ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
        ModbusDevice device;
        try (ModbusSimulator sim = ModbusSimulator.tcp(dir)) {
            Map<String, Object> config = new HashMap<>(Fixtures.tcp("boiler", sim.port, "counter holding 100 uint16"));
            config.put("poll.interval.ms", 100L);
            device = Fixtures.tcpDevice(Fixtures.settings(config), scheduler, toForwarder);
            device.start();
            try {
                Fixtures.await("30 polls", 20, () -> polls.size() >= 30);
            } finally {
                device.stop();
                scheduler.shutdownNow();
            }
        }
        // 30 polls at 100 ms take ~3 s; had each waited for the 300 ms spool they would take 9 s.
        Duration span = Duration.between(polls.get(0), polls.get(29));
        assertTrue(span.toMillis() < 4_500, "29 poll intervals took " + span.toMillis() + " ms: the spool held the poller");

        // Published on the forwarder's thread, never the poller's; in poll order; the rest dropped and counted.
        assertTrue(spool.threads.stream().allMatch("palisade-modbus-upstream"::equals), spool.threads.toString());
        List<Instant> sent = new ArrayList<>();
        Pattern ts = Pattern.compile("\"ts\":\"([^\"]+)\"");
        for (String json : spool.telemetry) {
            Matcher m = ts.matcher(json);
            assertTrue(m.find(), json);
            sent.add(Instant.parse(m.group(1)));
        }
        for (int i = 1; i < sent.size(); i++) {
            assertTrue(sent.get(i).isAfter(sent.get(i - 1)), "published out of order: " + sent);
        }
        assertTrue(forwarder.droppedReadings() > 0, "a 4-message queue in front of a 300 ms spool must drop");
        assertEquals(Health.DEGRADED, forwarder.health().health());
        assertTrue(forwarder.health().summary().contains(forwarder.droppedReadings() + " reading(s) dropped"),
                forwarder.health().summary());

        // Stopping publishes what waits (at most 2 s) and ends the thread.
        forwarder.deactivate();
        Thread.sleep(200);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("palisade-modbus-upstream") && t.isAlive()), "the forwarder's thread outlived it");
        assertEquals(0, forwarder.waiting());
    }
}
