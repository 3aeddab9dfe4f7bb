package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.Reading;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * A Modbus device declared the way an operator does it — a factory configuration file in etc/ —
 * against a real pymodbus server: readings appear on the LeafDevice service and in the shell,
 * a write is read back, a configuration change applies in place, a broken configuration leaves
 * the other device alone, and deleting the file removes the device.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModbusIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private ModbusPeers modbusDevices;
    private int port;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-modbus-it")));
    }

    @Before
    public void startPeer() throws Exception {
        modbusDevices = new ModbusPeers(Path.of(context.getProperty("palisade.data")));
        port = modbusDevices.startTcp("sim");
    }

    @After
    public void stopPeer() throws Exception {
        if (modbusDevices != null) {
            modbusDevices.close();
        }
    }

    @Test
    public void aDeviceInEtcPollsWritesChangesAndGoes() throws Exception {
        Path etc = Path.of(context.getProperty("palisade.etc"));
        Path cfg = etc.resolve("dev.palisade.bus.modbus.device-plc1.cfg");
        Files.writeString(cfg, "# written by ModbusIT\n"
                + "id = plc1\n"
                + "transport = tcp\n"
                + "host = 127.0.0.1\n"
                + "port = " + port + "\n"
                + "unit.id = 1\n"
                + "poll.interval.ms = 200\n"
                + "channels = \\\n"
                + "  temperature holding 24 int16 scale=0.1 unit=degC; \\\n"
                + "  setpoint holding 500 int16 writable min=0 max=100; \\\n"
                + "  counter holding 100 uint16\n");

        await("plc1 ONLINE with readings", 30, () -> {
            LeafDevice d = device("plc1");
            return d != null && d.status().state() == DeviceState.ONLINE && d.latest().size() == 3;
        });
        LeafDevice plc1 = device("plc1");
        assertEquals("modbus", plc1.bus());
        assertEquals("tcp://127.0.0.1:" + port + " unit 1", plc1.address());
        Reading temperature = plc1.latest().stream().filter(r -> r.channel().equals("temperature")).findFirst().get();
        assertEquals(21.5, (Double) temperature.value(), 1e-9);
        long serviceId = (Long) context.getServiceReferences(LeafDevice.class, "(palisade.device.id=plc1)")
                .iterator().next().getProperty("service.id");

        String read = GatewayChecks.execute(commands, "palisade:modbus read plc1 temperature");
        assertTrue(read, read.startsWith("plc1/temperature = 21.5 degC (GOOD"));
        String write = GatewayChecks.execute(commands, "palisade:modbus write plc1 setpoint 42");
        assertTrue(write, write.startsWith("wrote plc1/setpoint = 42, read back 42 (GOOD"));
        try {
            GatewayChecks.execute(commands, "palisade:modbus write plc1 setpoint 400");
            fail("a value over max must be refused");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("INVALID_VALUE") && e.getMessage().contains("outside"));
        }
        String devices = GatewayChecks.execute(commands, "palisade:devices");
        assertTrue(devices, devices.contains("plc1 [modbus] tcp://127.0.0.1:" + port + " unit 1: ONLINE"));
        assertTrue(devices, devices.contains("setpoint = 42"));

        // A broken second device is reported and leaves plc1 alone.
        Path broken = etc.resolve("dev.palisade.bus.modbus.device-broken.cfg");
        Files.writeString(broken, "id = broken\nhost = 127.0.0.1\nport = " + port + "\nchannels = x holdng 0 int16\n");
        Thread.sleep(3000);
        assertNull("an invalid device is not registered", device("broken"));
        assertEquals(DeviceState.ONLINE, device("plc1").status().state());

        // Change plc1 at run time: a channel more; the service stays and is modified.
        Files.writeString(cfg, Files.readString(cfg).replace("counter holding 100 uint16",
                "counter holding 100 uint16; \\\n  name holding 20 string length=4"));
        await("the new channel reads", 30, () -> {
            LeafDevice d = device("plc1");
            return d != null && d.latest().stream().anyMatch(r -> r.channel().equals("name") && "PALISADE".equals(r.value()));
        });
        assertEquals(serviceId, context.getServiceReferences(LeafDevice.class, "(palisade.device.id=plc1)").iterator().next()
                .getProperty("service.id"));

        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.contains("modbus"));

        Files.delete(cfg);
        await("plc1 removed", 30, () -> device("plc1") == null);
        Files.delete(broken);
        assertFalse(GatewayChecks.execute(commands, "palisade:modbus devices").contains("plc1"));
    }

    /**
     * RTU inside the framework: jSerialComm's native library unpacked and loaded from the bundle,
     * a socat pty pair, pymodbus' RTU server on the other end.
     */
    @Test
    public void anRtuDeviceOnAPtyReadsThroughJSerialCommInsideTheFramework() throws Exception {
        Path data = Path.of(context.getProperty("palisade.data"));
        Path serverPty = data.resolve("ttyS_srv");
        Path clientPty = data.resolve("ttyS_cli");
        Process socat;
        try {
            socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + serverPty, "pty,raw,echo=0,link=" + clientPty)
                    .redirectErrorStream(true).redirectOutput(data.resolve("socat.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("socat is missing: install the Debian package socat", e);
        }
        Process rtu = null;
        Path cfg = Path.of(context.getProperty("palisade.etc")).resolve("dev.palisade.bus.modbus.device-drive.cfg");
        try {
            await("the pty pair", 10, () -> Files.exists(clientPty) && Files.exists(serverPty));
            rtu = new ProcessBuilder("/usr/bin/python3", System.getProperty("palisade.modbus.sim"), "rtu",
                    serverPty.toString(), "115200").redirectErrorStream(true)
                    .redirectOutput(data.resolve("modbus-rtu-sim.log").toFile()).start();
            Files.writeString(cfg, "id = drive-3\n"
                    + "transport = rtu\n"
                    + "serial.port = " + clientPty + "\n"
                    + "serial.baud = 115200\n"
                    + "serial.parity = none\n"
                    + "serial.stop.bits = 1\n"
                    + "unit.id = 3\n"
                    + "poll.interval.ms = 200\n"
                    + "channels = speed holding 2 float32 unit=rpm; name holding 20 string length=4\n");
            await("drive-3 ONLINE over RTU", 30, () -> {
                LeafDevice d = device("drive-3");
                return d != null && d.status().state() == DeviceState.ONLINE && d.latest().size() == 2;
            });
            LeafDevice drive = device("drive-3");
            assertTrue(drive.address(), drive.address().startsWith("rtu:" + clientPty + " 115200 8N1 unit 3"));
            String read = GatewayChecks.execute(commands, "palisade:modbus read drive-3 name");
            assertTrue(read, read.startsWith("drive-3/name = PALISADE (GOOD"));
        } finally {
            Files.deleteIfExists(cfg);
            await("drive-3 removed", 30, () -> device("drive-3") == null);
            if (rtu != null) {
                rtu.destroyForcibly();
                rtu.waitFor(10, TimeUnit.SECONDS);
            }
            socat.destroyForcibly();
            socat.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private LeafDevice device(String id) {
        return ModbusPeers.leafDevice(context, id);
    }

    private static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + seconds + " s waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }
}
