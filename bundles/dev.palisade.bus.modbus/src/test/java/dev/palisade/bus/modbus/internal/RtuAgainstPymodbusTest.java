package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceState;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modbus RTU through jSerialComm on a socat pty pair, pymodbus' serial server (RTU framer) on
 * the other end: two devices (unit ids) share the line, reads and writes interleave, one
 * request at a time.
 */
class RtuAgainstPymodbusTest {

    @TempDir
    Path dir;

    private static Map<String, Object> rtu(String id, Path pty, int unit, String channels) {
        Map<String, Object> map = new HashMap<>();
        map.put("id", id);
        map.put("transport", "rtu");
        map.put("serial.port", pty.toString());
        map.put("serial.baud", 115200);
        map.put("serial.parity", "none");
        map.put("unit.id", unit);
        map.put("channels", channels);
        map.put("poll.interval.ms", 100L);
        map.put("timeout.ms", 1000L);
        return map;
    }

    @Test
    void twoDevicesShareOneSerialLineAndReadAndWrite() throws Exception {
        ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
        try (ModbusSimulator sim = ModbusSimulator.rtu(dir)) {
            DeviceSettings a = Fixtures.settings(rtu("rtu-a", sim.clientPty, 1,
                    "i32 holding 0 int32; f32 holding 2 float32; name holding 20 string length=4; sp holding 400 int16 writable"));
            DeviceSettings b = Fixtures.settings(rtu("rtu-b", sim.clientPty, 2, "in input 7 uint16; c coil 1 bool writable"));
            SerialLine line = new SerialLine(a.serial(), JSerialCommIo::open, 1000);
            Fixtures.Sink sinkA = new Fixtures.Sink();
            Fixtures.Sink sinkB = new Fixtures.Sink();
            ModbusDevice devA = new ModbusDevice(a, line, scheduler, sinkA, Clock.systemUTC());
            ModbusDevice devB = new ModbusDevice(b, shared(line), scheduler, sinkB, Clock.systemUTC());
            devA.start();
            devB.start();
            try {
                Fixtures.await("both online", 15, () -> Fixtures.in(devA, DeviceState.ONLINE) && Fixtures.in(devB, DeviceState.ONLINE));
                assertEquals(0x12345678L, sinkA.lastValues().get("i32"));
                assertEquals(12.5, sinkA.lastValues().get("f32"));
                assertEquals("PALISADE", sinkA.lastValues().get("name"));
                assertEquals(10007L, sinkB.lastValues().get("in"));
                for (int i = 0; i < 5; i++) {
                    assertEquals((long) (i * 100 - 7), devA.write("sp", (long) (i * 100 - 7)).toCompletableFuture()
                            .get(5, TimeUnit.SECONDS).value());
                    assertEquals(i % 2 == 0, devB.write("c", i % 2 == 0).toCompletableFuture().get(5, TimeUnit.SECONDS).value());
                }
                long failedBefore = devA.failedRequests.get() + devB.failedRequests.get();
                Thread.sleep(1000);
                assertEquals(failedBefore, devA.failedRequests.get() + devB.failedRequests.get(),
                        "no request fails while two devices poll one line");
                assertTrue(devA.polls.get() > 3 && devB.polls.get() > 3);
            } finally {
                devA.stop();
                devB.stop();
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** The second device's view of the line: closing it must not close the line under the first. */
    private static Transport shared(SerialLine line) {
        return new Transport() {
            @Override
            public java.util.concurrent.CompletableFuture<byte[]> request(int unit, byte[] pdu) {
                return line.request(unit, pdu);
            }

            @Override
            public void close() {
            }
        };
    }
}
