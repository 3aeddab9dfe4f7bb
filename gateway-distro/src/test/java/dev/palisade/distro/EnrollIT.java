package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.Enrollment;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.ProofMode;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.Upstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Enrollment of the gateway's children against the real reference hub (docs/enrollment.md),
 * with the hub in its strict mode (no {@code --allow-unenrolled-children}): the gateway key on a
 * SoftHSM2 token, children registered as {@link LeafDevice} services the way a bus bundle
 * registers them, their keys and certificates in software under a device CA the hub verified.
 *
 * <p>What it proves, as a user sees it in {@code palisade:children}, the spool and the hub's log:
 * a relay child (it signs the hub's challenge) and an attest child (its TLS identity) are
 * enrolled; their telemetry, published before, waits in the spool until then and is then
 * accepted by the hub; a child under a CA the hub does not know is refused with the hub's reason
 * and its telemetry stays in the spool (the hub never has to refuse a publish); a real plain
 * Modbus TCP device (pymodbus) stays pending and says why until its custodial key is made on the
 * token ({@code palisade:children csr}) and the integrator's certificate installed
 * ({@code palisade:children install}), then is enrolled and its held readings delivered; the
 * states survive a restart of the enrollment bundle without enrolling again and without a child's
 * message slipping out meanwhile; devices removed (a service gone, a Modbus device's file deleted)
 * are unenrolled at the hub.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EnrollIT {

    private static final String GATEWAY = "gw-enroll-it";
    private static final String HUB_ID = "enroll-it-hub";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture fixture;
    private ReferenceHub hub;
    private ModbusPeers modbusDevices;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-enroll-it")));
    }

    @After
    public void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (fixture != null) {
            fixture.close();
        }
        if (modbusDevices != null) {
            modbusDevices.close();
        }
    }

    @Test
    public void childrenAreEnrolledTheirTelemetryWaitsUntilThenRefusalsShowTheHubsReasonAndRemovalsUnenroll() throws Exception {
        fixture = new UpstreamItFixture(context, commands, "enroll-it");
        Path work = fixture.work;
        hub = new ReferenceHub(work.resolve("hub"));
        int port = UpstreamItFixture.freePort();
        hub.ok("start", "--port", String.valueOf(port), "--hub-id", HUB_ID);

        // The gateway's CA and the device CA verified at the hub; a second device CA it never hears of.
        fixture.registerGateway(hub, GATEWAY);
        Files.createDirectories(work.resolve("devices"));
        EnrollItPki devices = new EnrollItPki("enroll-it-device-ca");
        devices.writeCa(work.resolve("devices/ca.pem"), work.resolve("devices/ca.key"));
        hub.registerVerifiedCa("device-ca", work.resolve("devices/ca.pem"), work.resolve("devices/ca.key"));
        // The gateway is of another CA: the device CA's parent policy names it (docs/hub.md).
        hub.ok("ca", "parents", "device-ca", "--gateways", GATEWAY);
        EnrollItPki stranger = new EnrollItPki("enroll-it-stranger-ca");

        fixture.provisionGateway(GATEWAY, "");
        Files.writeString(fixture.etc.resolve("dev.palisade.enroll.cfg"), "hub.id = " + HUB_ID
                + "\nbatch.size = 10\nretry.min.seconds = 1\nretry.max.seconds = 3\nremoval.grace.seconds = 1\n");
        Enrollment enrollment = fixture.awaitService(Enrollment.class);

        // Children as a bus bundle would register them.
        EnrollItPki.Device relayKeys = devices.device("relay-1");
        ServiceRegistration<LeafDevice> relay = new TestLeafDevice("relay-1", identity("relay-1", relayKeys), relayKeys.keys().getPrivate())
                .register(context);
        EnrollItPki.Device attestKeys = devices.device("attest-1");
        new TestLeafDevice("attest-1", identity("attest-1", attestKeys), null).register(context);
        EnrollItPki.Device strangerKeys = stranger.device("stranger-1");
        new TestLeafDevice("stranger-1", identity("stranger-1", strangerKeys), strangerKeys.keys().getPrivate()).register(context);
        // A real plain Modbus TCP device (pymodbus): custodial, its readings published by the bus bundle.
        modbusDevices = new ModbusPeers(work);
        int modbusPort = modbusDevices.startTcp("boiler-1");
        Path boilerCfg = fixture.etc.resolve("dev.palisade.bus.modbus.device-boiler.cfg");
        Files.writeString(boilerCfg, "id = boiler-1\ntransport = tcp\nhost = 127.0.0.1\nport = " + modbusPort
                + "\npoll.interval.ms = 1000\nchannels = temperature holding 24 int16 scale=0.1 unit=degC\n");

        // 1. Telemetry published before anything is enrolled, and before the link exists.
        Upstream upstream = fixture.awaitService(Upstream.class);
        Spool spool = fixture.awaitService(Spool.class);
        publish(upstream, "relay-1", 20);
        publish(upstream, "attest-1", 20);
        publish(upstream, "stranger-1", 7);
        assertEquals(47, spool.stats().messages());
        await("the children known as pending", 30, () -> enrollment.children().size() == 4);
        assertEquals(EnrollmentStatus.PENDING, state(enrollment, "relay-1").status());

        fixture.linkTo(hub, port);
        await("the link UP against the hub", 90, () -> fixture.linkState() == LinkState.UP);

        // 2. Relay and attest children enrolled; their telemetry drains; the stranger's stays.
        await("relay-1 and attest-1 enrolled", 60, () -> state(enrollment, "relay-1").status() == EnrollmentStatus.ENROLLED
                && state(enrollment, "attest-1").status() == EnrollmentStatus.ENROLLED);
        assertEquals(ProofMode.RELAY, state(enrollment, "relay-1").mode());
        assertEquals(ProofMode.ATTEST, state(enrollment, "attest-1").mode());
        await("boiler-1's readings held in the spool", 60, () -> spool.stats().messages() >= 7 + 5);
        String log = hub.log();
        assertTrue("the hub logs the relay enrollment" + hub.logTail(),
                log.contains("gateway '" + GATEWAY + "': child 'relay-1' enrolled (relay)"));
        assertTrue("the hub logs the attest enrollment" + hub.logTail(),
                log.contains("gateway '" + GATEWAY + "': child 'attest-1' enrolled (attest)"));

        // 3. The refusal with the hub's reason, and the custodial device without a key, in palisade:children.
        await("stranger-1 refused", 30, () -> state(enrollment, "stranger-1").status() == EnrollmentStatus.REFUSED);
        String shown = GatewayChecks.execute(commands, "palisade:children");
        assertTrue(shown, shown.matches("(?s).*\\nrelay-1 +enrolled +relay +- .*"));
        assertTrue(shown, shown.matches("(?s).*\\nattest-1 +enrolled +attest +- .*"));
        assertTrue(shown, shown.matches("(?s).*\\nstranger-1 +refused +relay +UNKNOWN_CA .*"));
        assertTrue(shown, shown.matches("(?s).*\\nboiler-1 +pending +custodial +- .*no key for this child.*"));
        assertTrue(log.contains("child 'stranger-1' refused: UNKNOWN_CA") || hub.log().contains("child 'stranger-1' refused: UNKNOWN_CA"));

        // 4. Custodial: the child's key made on the token, its certificate from the integrator's CA.
        Path csr = work.resolve("boiler-1.csr");
        String wrote = GatewayChecks.execute(commands, "palisade:children csr boiler-1 --out " + csr);
        assertTrue(wrote, wrote.contains("wrote the certificate request for child 'boiler-1'"));
        fixture.pki.issueChain(csr, "boiler-1", work.resolve("boiler-1-chain.pem"));
        String installed = GatewayChecks.execute(commands, "palisade:children install boiler-1 " + work.resolve("boiler-1-chain.pem"));
        assertTrue(installed, installed.matches("(?s).*\\nboiler-1 +enrolled +custodial +- .*"));
        assertTrue("the hub logs the custodial enrollment" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child 'boiler-1' enrolled (custodial)"));
        // Every child's telemetry that was held is delivered; only the refused child's stays.
        await("the enrolled children's telemetry acknowledged by the hub", 60, () -> spool.stats().messages() == 7);
        String upstreamShown = GatewayChecks.execute(commands, "palisade:upstream");
        assertTrue("the hub never had to refuse a child's publish: " + upstreamShown, upstreamShown.contains("refused by hub 0"));

        // 5. A restart of the enrollment bundle keeps the states and enrolls nobody again.
        Bundle enrollBundle = Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals("dev.palisade.enroll"))
                .findFirst().orElseThrow(() -> new AssertionError("dev.palisade.enroll is not installed"));
        enrollBundle.stop();
        enrollBundle.start();
        Enrollment restarted = fixture.awaitService(Enrollment.class);
        await("the states reloaded", 20, () -> restarted.child("relay-1").isPresent());
        assertEquals(EnrollmentStatus.ENROLLED, state(restarted, "relay-1").status());
        assertEquals(EnrollmentStatus.REFUSED, state(restarted, "stranger-1").status());
        publish(upstream, "relay-1", 5);
        await("relay-1's telemetry flows at once after the restart", 30, () -> spool.stats().messages() == 7);
        assertEquals(EnrollmentStatus.ENROLLED, state(restarted, "boiler-1").status());
        assertEquals("relay-1 was not enrolled a second time" + hub.logTail(), 1,
                hub.log().split("child 'relay-1' enrolled", -1).length - 1);
        upstreamShown = GatewayChecks.execute(commands, "palisade:upstream");
        assertTrue("children stay held while the enrollment bundle restarts: " + upstreamShown,
                upstreamShown.contains("refused by hub 0"));

        // 6. Devices removed (a test service unregistered, a Modbus device's file deleted): unenrolled at the hub.
        relay.unregister();
        await("relay-1 unenrolled and the hub told", 30, () -> state(restarted, "relay-1").status() == EnrollmentStatus.UNENROLLED
                && state(restarted, "relay-1").detail().contains("hub confirmed"));
        assertTrue("the hub logs the unenrollment" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child 'relay-1' unenrolled"));
        publish(upstream, "relay-1", 3);
        Thread.sleep(2_000);
        // boiler-1 (enrolled, polled every second) may have a reading in flight at any instant: wait
        // for an instant without one; relay-1's three stay held throughout (7 would mean sent).
        await("an unenrolled child's telemetry waits in the spool", 10, () -> spool.stats().messages() == 10);
        assertTrue(GatewayChecks.execute(commands, "palisade:children"),
                GatewayChecks.execute(commands, "palisade:children").matches("(?s).*\\nrelay-1 +unenrolled +relay .*"));
        Files.delete(boilerCfg);
        await("boiler-1 unenrolled and the hub told", 30, () -> state(restarted, "boiler-1").status() == EnrollmentStatus.UNENROLLED
                && state(restarted, "boiler-1").detail().contains("hub confirmed"));
        assertTrue("the hub logs the unenrollment" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child 'boiler-1' unenrolled"));
    }

    private static PeerIdentity identity(String child, EnrollItPki.Device device) {
        byte[] binding = new byte[32];
        new SecureRandom().nextBytes(binding);
        return new PeerIdentity(device.chain(), child, "enroll-it", Instant.now(), binding);
    }

    private static void publish(Upstream upstream, String child, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            upstream.publish(child, Upstream.TELEMETRY, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    PublishOptions.priority(5));
        }
    }

    private static ChildState state(Enrollment enrollment, String child) {
        Optional<ChildState> s = enrollment.child(child);
        if (s.isEmpty()) {
            throw new AssertionError("child '" + child + "' is not known: " + enrollment.children());
        }
        return s.get();
    }

    private void await(String what, long seconds, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "\n"
                        + GatewayChecks.execute(commands, "palisade:children") + "\n"
                        + GatewayChecks.execute(commands, "palisade:upstream") + hub.logTail());
            }
            Thread.sleep(100);
        }
    }
}
