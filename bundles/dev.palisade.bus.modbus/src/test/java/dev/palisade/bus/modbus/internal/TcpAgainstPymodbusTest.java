package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.Reading;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Modbus TCP against a real pymodbus server: decoding, merging, writes, refusals, faults. */
class TcpAgainstPymodbusTest {

    @TempDir
    static Path dir;

    static ModbusSimulator sim;

    private final ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
    private final Fixtures.Sink sink = new Fixtures.Sink();
    private ModbusDevice device;

    @BeforeAll
    static void startPeer() throws Exception {
        sim = ModbusSimulator.tcp(dir);
    }

    @AfterAll
    static void stopPeer() throws Exception {
        sim.close();
    }

    @AfterEach
    void stop() {
        if (device != null) {
            device.stop();
        }
        scheduler.shutdownNow();
    }

    private ModbusDevice start(Map<String, Object> config) {
        device = Fixtures.tcpDevice(Fixtures.settings(config), scheduler, sink);
        device.start();
        return device;
    }

    @Test
    void everyTypeAndOrderDecodesFromOneMergedRequestPerTable() throws Exception {
        String channels = "i32 holding 0 int32; i32wl holding 0 int32 word=little; i32bl holding 0 int32 byte=little;"
                + " i32ll holding 0 int32 word=little byte=little; f32 holding 2 float32; f64 holding 4 float64;"
                + " i16 holding 8 int16; u16 holding 8 uint16; neg32 holding 9 int32; u32 holding 9 uint32;"
                + " i64 holding 11 int64; name holding 20 string length=4; temp holding 24 int16 scale=0.1 unit=degC;"
                + " in5 input 5 uint16; coil3 coil 3 bool; di4 discrete 4 bool; b8 holding 8 bool";
        start(Fixtures.tcp("decode", sim.port, channels));
        Fixtures.await("a first poll", 10, () -> !sink.readings.isEmpty());
        Map<String, Object> v = sink.lastValues();
        assertEquals(0x12345678L, v.get("i32"));
        assertEquals(0x56781234L, v.get("i32wl"));
        assertEquals(0x34127856L, v.get("i32bl"));
        assertEquals(0x78563412L, v.get("i32ll"));
        assertEquals(12.5, v.get("f32"));
        assertEquals(-1234.5678, v.get("f64"));
        assertEquals(-2L, v.get("i16"));
        assertEquals(65534L, v.get("u16"));
        assertEquals(-2L, v.get("neg32"));
        assertEquals(4294967294L, v.get("u32"));
        assertEquals(-5_000_000_000L, v.get("i64"));
        assertEquals("PALISADE", v.get("name"));
        assertEquals(21.5, (Double) v.get("temp"), 1e-9);
        assertEquals(10005L, v.get("in5"));
        assertEquals(true, v.get("coil3"));
        assertEquals(false, v.get("di4"));
        assertEquals(true, v.get("b8"));
        // holding 0..24 in one request (gaps <= 8), one each for input, coil, discrete.
        assertEquals(4, device.settings().plan().size(), device.settings().plan().toString());
        assertEquals(4, device.requests.get() / device.polls.get());
        assertEquals(DeviceState.ONLINE, device.status().state());
        assertEquals(17, sink.readings.get(0).size());
        assertEquals("i32", sink.readings.get(0).get(0).channel(), "readings come in channel order");
    }

    @Test
    void writesAreCheckedWrittenAndReadBackInTheDeviceByteOrder() throws Exception {
        String channels = "sp holding 300 int16 writable min=-500 max=500; f holding 302 float32 writable;"
                + " wl holding 310 int32 word=little writable; lo holding 310 uint16; hi holding 311 uint16;"
                + " out coil 10 bool writable; scaled holding 320 uint16 scale=0.5 offset=10 writable;"
                + " ro holding 330 int16; txt holding 340 string length=2 writable";
        start(Fixtures.tcp("writer", sim.port, channels));
        Fixtures.await("online", 10, () -> Fixtures.in(device, DeviceState.ONLINE));

        assertEquals(-123L, write("sp", -123L).value());
        assertEquals(21.5, write("f", 21.5).value());
        assertEquals(70000L, write("wl", 70000).value());
        assertEquals(0x1170L, device.read("lo").toCompletableFuture().get().value(), "low word first on the wire");
        assertEquals(0x0001L, device.read("hi").toCompletableFuture().get().value());
        assertEquals(true, write("out", true).value());
        assertEquals(false, write("out", false).value());
        assertEquals(20.5, write("scaled", 20.5).value(), "raw 21 * 0.5 + 10");
        assertEquals("ok", write("txt", "ok").value());

        long before = device.requests.get();
        assertRefused(DeviceException.Reason.INVALID_VALUE, "sp", 501L, "outside the channel's range");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "sp", 1.5, "not an integer");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "wl", 1L << 40, "outside the int32 range");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "f", 0.1, "not exactly representable as float32");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "scaled", 10.2, "not a multiple of the scale");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "out", "yes", "expects true or false");
        assertRefused(DeviceException.Reason.INVALID_VALUE, "txt", "toolong", "holds 4");
        assertRefused(DeviceException.Reason.NOT_WRITABLE, "ro", 1L, "not writable");
        assertRefused(DeviceException.Reason.UNKNOWN_CHANNEL, "nope", 1L, "no channel 'nope'");
        assertTrue(device.requests.get() - before <= 1, "refused writes send nothing (a poll may have run)");
    }

    @Test
    void anExceptionResponseMakesTheDeviceDegradedWithBadReadingsAndTheRestFlows() throws Exception {
        // The simulator holds 2000 registers: 2100 is answered with exception code 2.
        start(Fixtures.tcp("partial2", sim.port, "ok holding 0 uint16; beyond holding 2100 uint16"));
        Fixtures.await("degraded by an exception response", 10, () -> Fixtures.in(device, DeviceState.DEGRADED));
        assertTrue(device.status().reason().contains("ILLEGAL DATA ADDRESS"), device.status().reason());
        Map<String, Object> v = sink.lastValues();
        assertEquals(0x1234L, v.get("ok"));
        assertTrue(v.containsKey("beyond"));
        assertNull(v.get("beyond"), "a BAD reading has no value");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> device.read("beyond").toCompletableFuture().get());
        assertEquals(DeviceException.Reason.DEVICE_ERROR, ((DeviceException) e.getCause()).reason());
    }

    @Test
    void pipelinedRequestsAreAllAnswered() throws Exception {
        StringBuilder channels = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            channels.append("c").append(i).append(" holding ").append(100 + i * 5).append(" uint16;");
        }
        Map<String, Object> config = Fixtures.tcp("pipelined", sim.port, channels.toString());
        config.put("merge.gap", -1);
        config.put("max.in.flight", 8);
        start(config);
        Fixtures.await("online", 10, () -> Fixtures.in(device, DeviceState.ONLINE));
        Fixtures.await("a full poll", 10, () -> !sink.readings.isEmpty() && sink.readings.get(sink.readings.size() - 1).size() == 20);
        Map<String, Object> v = sink.lastValues();
        long c0 = (Long) v.get("c0");
        assertEquals((c0 + 5) & 0xFFFF, (long) (Long) v.get("c1"), "each answer paired with its own request");
        assertEquals((c0 + 95) & 0xFFFF, (long) (Long) v.get("c19"));
        assertEquals(20, device.settings().plan().size());
    }

    @Test
    void aDeadDeviceGoesOfflineWithBackoffAndRecovers(@TempDir Path ownDir) throws Exception {
        ModbusSimulator own = sim.another(ownDir);
        try {
            Map<String, Object> config = Fixtures.tcp("dying", own.port, "v holding 0 uint16");
            config.put("poll.interval.ms", 100L);
            config.put("timeout.ms", 300L);
            config.put("offline.after", 2);
            config.put("backoff.max.ms", 1600L);
            start(config);
            Fixtures.await("online", 10, () -> Fixtures.in(device, DeviceState.ONLINE));
            own.kill();
            Fixtures.await("offline", 10, () -> Fixtures.in(device, DeviceState.OFFLINE));
            assertTrue(sink.states.stream().anyMatch(s -> s.state() == DeviceState.DEGRADED), "degraded before offline");
            assertTrue(device.status().reason().contains("no usable answer from tcp://127.0.0.1:" + own.port), device.status().reason());
            long polls = device.polls.get();
            Thread.sleep(2000);
            long during = device.polls.get() - polls;
            assertTrue(during <= 5, "backoff: " + during + " polls in 2 s at 100 ms interval");
            own.start();
            Fixtures.await("online again", 10, () -> Fixtures.in(device, DeviceState.ONLINE));
            assertEquals(0x1234L, sink.lastValues().get("v"));
        } finally {
            own.close();
        }
    }

    private Reading write(String channel, Object value) throws Exception {
        return device.write(channel, value).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private void assertRefused(DeviceException.Reason reason, String channel, Object value, String message) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> device.write(channel, value).toCompletableFuture().get(5, TimeUnit.SECONDS));
        DeviceException d = assertInstanceOf(DeviceException.class, e.getCause());
        assertEquals(reason, d.reason(), d.getMessage());
        assertTrue(d.getMessage().contains(message), d.getMessage());
        assertTrue(d.getMessage().startsWith("writer/") || d.getMessage().startsWith("writer "), d.getMessage());
    }
}
