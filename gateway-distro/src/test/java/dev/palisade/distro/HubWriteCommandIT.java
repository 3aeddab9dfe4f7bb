package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * A write command from the hub, end to end (docs/upstream.md "Commands"): the distribution with
 * its identity on a fresh SoftHSM2 token, the spool and the link against a real Mosquitto 2, and a
 * Modbus TCP device (a pymodbus server) declared in etc/. The "hub" is {@code mosquitto_pub} and
 * {@code mosquitto_sub} with the observer certificate, speaking MQTT v5: it publishes
 * {@code {"channel":…,"value":…}} to {@code palisade/v1/<G>/d/<device>/cmd/write} with a Response
 * Topic and Correlation Data, and reads the answer — correlation, {@code palisade-status} user
 * property and payload — on the Response Topic.
 *
 * <p>Needs the Debian packages mosquitto, mosquitto-clients, softhsm2 and python3-pymodbus, and
 * {@code SOFTHSM2_CONF} in the test JVM's environment (set by Failsafe); a missing one fails the
 * test naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HubWriteCommandIT {

    private static final String GATEWAY = "gw-cmd-it";
    private static final String DEVICE = "plc1";
    private static final String COMMANDS = "palisade/v1/" + GATEWAY + "/d/" + DEVICE + "/cmd/";
    private static final String RESPONSES = "hub/responses/" + GATEWAY;

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture hub;
    private final List<Process> processes = new ArrayList<>();
    private ModbusPeers modbusDevices;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-hubwrite-it")));
    }

    @After
    public void stopProcesses() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (modbusDevices != null) {
            modbusDevices.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    public void aWriteFromTheHubReachesTheDeviceAndIsAnsweredOnTheResponseTopic() throws Exception {
        hub = new UpstreamItFixture(context, commands, "hubwrite-it");
        int mqttPort = hub.startMosquitto();
        hub.provisionGateway(GATEWAY, "");
        int modbusPort = startModbusSimulator();

        Files.writeString(hub.etc.resolve("dev.palisade.bus.modbus.device-" + DEVICE + ".cfg"), "# written by HubWriteCommandIT\n"
                + "id = " + DEVICE + "\n"
                + "transport = tcp\n"
                + "host = 127.0.0.1\n"
                + "port = " + modbusPort + "\n"
                + "unit.id = 1\n"
                + "poll.interval.ms = 200\n"
                + "channels = setpoint holding 500 int16 writable min=0 max=100\n");
        await(DEVICE + " ONLINE", 30, () -> device(DEVICE).map(d -> d.status().state() == DeviceState.ONLINE).orElse(false));
        String before = GatewayChecks.execute(commands, "palisade:modbus read " + DEVICE + " setpoint");
        assertTrue(before, before.startsWith(DEVICE + "/setpoint = 0 (GOOD"));

        Files.writeString(hub.etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + mqttPort
                + "\nhub.trust.anchors = " + hub.work.resolve("ca.pem") + "\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        await("the link UP", 60, () -> hub.service(HubLink.class) != null && hub.service(HubLink.class).state() == LinkState.UP);

        // The hub listens for answers before it asks: one line per answer, "correlation|user properties|payload".
        Path answers = hub.work.resolve("answers.txt");
        start(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-V", "mqttv5", "-q", "1",
                "-i", "hub-answers", "--cafile", hub.work.resolve("ca.pem").toString(), "--cert",
                hub.work.resolve("observer.pem").toString(), "--key", hub.work.resolve("observer.key").toString(),
                "-t", RESPONSES, "-F", "%D|%P|%p"), answers);
        Thread.sleep(1_500);

        // (1) A write in range: answered ok, with the correlation data and the value read back.
        sendCommand(mqttPort, "write", "write-1", "{\"channel\":\"setpoint\",\"value\":37}");
        String ok = awaitAnswer(answers, "write-1");
        assertTrue(ok, ok.startsWith("write-1|palisade-status:ok|"));
        assertTrue(ok, ok.contains("{\"v\":1,\"ok\":true,\"device\":\"" + DEVICE + "\",\"channel\":\"setpoint\",\"written\":37,"
                + "\"readBack\":37,\"quality\":\"GOOD\""));

        // (2) The operator sees the new value in the shell, read from the device.
        String after = GatewayChecks.execute(commands, "palisade:modbus read " + DEVICE + " setpoint");
        assertTrue(after, after.startsWith(DEVICE + "/setpoint = 37 (GOOD"));

        // (3) Out of range: an error of the request/response (palisade-status error), the reason code leading
        // the message, as every failed command is answered; nothing is written.
        sendCommand(mqttPort, "write", "write-2", "{\"channel\":\"setpoint\",\"value\":400}");
        String refused = awaitAnswer(answers, "write-2");
        assertTrue(refused, refused.startsWith("write-2|palisade-status:error|{\"v\":1,\"error\":\"INVALID_VALUE: " + DEVICE
                + "/setpoint: "));
        assertTrue(refused, refused.contains("400") && refused.contains("outside"));
        String unchanged = GatewayChecks.execute(commands, "palisade:modbus read " + DEVICE + " setpoint");
        assertTrue(unchanged, unchanged.startsWith(DEVICE + "/setpoint = 37 (GOOD"));

        // A command nobody serves is answered by the link itself with palisade-status error, naming what it serves.
        sendCommand(mqttPort, "reboot-now", "cmd-3", "{}");
        String unknown = awaitAnswer(answers, "cmd-3");
        assertTrue(unknown, unknown.startsWith("cmd-3|palisade-status:error|{\"v\":1,\"error\":\"unknown command 'reboot-now'"));
        assertTrue(unknown, unknown.contains("write"));
        assertEquals("exactly one answer per command", 3, UpstreamItFixture.lines(answers).size());
    }

    /** The hub's side of a command: MQTT v5 publish with Response Topic and Correlation Data, QoS 1. */
    private void sendCommand(int port, String command, String correlation, String json) throws Exception {
        Process publish = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5",
                "-q", "1", "-i", "hub-" + correlation, "--cafile", hub.work.resolve("ca.pem").toString(), "--cert",
                hub.work.resolve("observer.pem").toString(), "--key", hub.work.resolve("observer.key").toString(),
                "-t", COMMANDS + command, "-D", "publish", "response-topic", RESPONSES, "-D", "publish", "correlation-data",
                correlation, "-m", json).redirectErrorStream(true).start();
        String output = new String(publish.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!publish.waitFor(20, TimeUnit.SECONDS) || publish.exitValue() != 0) {
            fail("mosquitto_pub of " + command + " failed: " + output);
        }
    }

    private static String awaitAnswer(Path answers, String correlation) throws InterruptedException {
        await("the answer correlated '" + correlation + "'", 30,
                () -> UpstreamItFixture.lines(answers).stream().anyMatch(l -> l.startsWith(correlation + "|")));
        return UpstreamItFixture.lines(answers).stream().filter(l -> l.startsWith(correlation + "|")).findFirst().get();
    }

    /** The pymodbus simulator ModbusIT uses, on an ephemeral port; returns the port. */
    private int startModbusSimulator() throws Exception {
        modbusDevices = new ModbusPeers(hub.work);
        return modbusDevices.startTcp("sim");
    }

    private void start(List<String> command, Path output) {
        try {
            processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " could not be started (is its Debian package installed?)", e);
        }
    }

    private Optional<LeafDevice> device(String id) {
        return hub.services(LeafDevice.class).stream().filter(d -> d.id().equals(id)).findFirst();
    }

    private static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        UpstreamItFixture.await(what, seconds, condition);
    }
}
