package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub's write command, answered from a device polling a real pymodbus server. */
class WriteCommandHandlerTest {

    @TempDir
    Path dir;

    /** The answer, or {@code "refused|" + the message} the link would send as the error. */
    private static String call(WriteCommandHandler handler, String child, String json) throws Exception {
        try {
            return new String(handler.handle(child, "write", json.getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            WriteCommandHandler.WriteRefusedException refused =
                    assertInstanceOf(WriteCommandHandler.WriteRefusedException.class, e.getCause());
            assertTrue(refused.getMessage().startsWith(refused.reason() + ": "), refused.getMessage());
            return "refused|" + refused.getMessage();
        }
    }

    @Test
    void writesAreAnsweredWithTheReadBackOrTheReason() throws Exception {
        ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
        try (ModbusSimulator sim = ModbusSimulator.tcp(dir)) {
            ModbusDevice device = Fixtures.tcpDevice(Fixtures.settings(Fixtures.tcp("boiler", sim.port,
                    "sp holding 700 int16 writable max=100; f holding 702 float32 writable; ro holding 0 int16")),
                    scheduler, new Fixtures.Sink());
            device.start();
            try {
                Fixtures.await("online", 10, () -> Fixtures.in(device, DeviceState.ONLINE));
                WriteCommandHandler handler = new WriteCommandHandler();
                handler.addDevice(device);
                String ok = call(handler, "boiler", "{\"channel\": \"sp\", \"value\": 42}");
                assertTrue(ok.startsWith("{\"v\":1,\"ok\":true,\"device\":\"boiler\",\"channel\":\"sp\",\"written\":42,\"readBack\":42,"), ok);
                assertTrue(call(handler, "boiler", "{\"channel\":\"f\",\"value\":0.1}").contains("\"readBack\":0.10000000149011612"));
                // Refusals are errors of the request/response, the reason code leading the message.
                String range = call(handler, "boiler", "{\"channel\":\"sp\",\"value\":101}");
                assertTrue(range.startsWith("refused|INVALID_VALUE: boiler/sp: "), range);
                assertTrue(call(handler, "boiler", "{\"channel\":\"ro\",\"value\":1}").startsWith("refused|NOT_WRITABLE: "));
                assertTrue(call(handler, "nobody", "{\"channel\":\"sp\",\"value\":1}")
                        .startsWith("refused|UNKNOWN_DEVICE: no leaf device 'nobody'"));
                String bad = call(handler, "boiler", "{\"channel\":\"sp\",\"value\":[1]}");
                assertTrue(bad.startsWith("refused|BAD_REQUEST: ") && bad.contains("arrays are not allowed"), bad);
                assertTrue(call(handler, "boiler", "{\"value\":1}").startsWith("refused|BAD_REQUEST: write request for boiler needs {"));
                assertTrue(call(handler, null, "{}").startsWith("refused|BAD_REQUEST: write is a command for a child"));
            } finally {
                device.stop();
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void flatJsonRefusesWhatItDoesNotUnderstand() {
        assertEquals(42L, FlatJson.parse(" {\"a\" : 42 , \"b\":\"x\\u0041\"} ").get("a"));
        assertEquals("xA", FlatJson.parse("{\"b\":\"x\\u0041\"}").get("b"));
        assertEquals(-1.5e3, FlatJson.parse("{\"a\":-1.5e3}").get("a"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"a\":1,\"a\":2}")).getMessage()
                .contains("duplicate key"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"a\":1} x")).getMessage()
                .contains("trailing data"));
        assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"a\":{}}"));
        assertThrows(IllegalArgumentException.class, () -> FlatJson.parse("{\"a\""));
        assertThrows(IllegalArgumentException.class, () -> FlatJson.parse(""));
    }
}
