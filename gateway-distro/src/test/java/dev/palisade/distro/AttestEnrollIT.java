package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.Enrollment;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.ProofMode;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.Spool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * {@code attest} enrollment end to end with a real device (docs/enrollment.md): a pymodbus
 * Modbus/TCP Security device proves its key to the gateway in mutual TLS (the gateway's key on a
 * SoftHSM2 token), the real trust service verifies it in a trust domain with its identity rule,
 * and the gateway attests that handshake — the chain, the time, the session's RFC 9266
 * tls-exporter binding — to the real reference hub in its strict mode (no
 * {@code --allow-unenrolled-children}).
 *
 * <p>As a user sees it: the device's readings wait in the spool until the hub has enrolled it,
 * then the hub acknowledges them on the child's topic and refuses none; the same device restarted
 * with a certificate from a CA the gateway trusts but the hub has only uploaded, never verified,
 * is enrolled again (its certificate changed) and refused, {@code palisade:children} showing the
 * hub's reason ({@code CA_NOT_VERIFIED}), and its readings stay in the spool.
 *
 * <p>Needs python3-pymodbus and softhsm2 (a missing one fails the test naming it).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AttestEnrollIT {

    private static final String GATEWAY = "gw-attest-it";
    private static final String HUB_ID = "attest-it-hub";
    private static final String CHILD = "attest-plc-1";
    private static final String DOMAIN = "attest-plant";
    private static final Pattern ACKNOWLEDGED = Pattern.compile("acknowledged (\\d+)");
    private static final Pattern REFUSED_BY_HUB = Pattern.compile("refused by hub (\\d+)");

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture fixture;
    private ReferenceHub hub;
    private ModbusPeers modbusDevices;
    private Process device;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-attest-it")));
    }

    @After
    public void stop() throws Exception {
        if (modbusDevices != null) {
            modbusDevices.close();
        }
        if (hub != null) {
            hub.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    public void aTlsDeviceIsEnrolledByAttestationItsReadingsReachTheHubAndAChainTheHubDoesNotTrustIsRefused() throws Exception {
        fixture = new UpstreamItFixture(context, commands, "attest-it");
        Path work = fixture.work;
        modbusDevices = new ModbusPeers(work);
        hub = new ReferenceHub(work.resolve("hub"));
        int hubPort = UpstreamItFixture.freePort();
        hub.ok("start", "--port", String.valueOf(hubPort), "--hub-id", HUB_ID);

        // The gateway's CA, verified at the hub; the gateway registered as a gateway.
        fixture.registerGateway(hub, GATEWAY);
        // The plant's device CA, verified at the hub; a second CA the gateway trusts too but the
        // hub only has uploaded (its owner never proved possession of its key).
        Path devices = Files.createDirectories(work.resolve("devices"));
        ModbusTlsItPki plant = new ModbusTlsItPki("attest-it-device-ca");
        plant.writeCa(devices.resolve("ca.pem"));
        plant.writeCaKey(devices.resolve("ca.key"));
        hub.registerVerifiedCa("device-ca", devices.resolve("ca.pem"), devices.resolve("ca.key"));
        // The gateway is of another CA: the device CA's parent policy names it (docs/hub.md).
        hub.ok("ca", "parents", "device-ca", "--gateways", GATEWAY);
        ModbusTlsItPki other = new ModbusTlsItPki("attest-it-other-ca");
        other.writeCa(devices.resolve("other-ca.pem"));
        String upload = hub.ok("ca", "upload", "--name", "other-ca", devices.resolve("other-ca.pem").toString());
        assertTrue(upload, upload.contains("verification code"));
        X509Certificate good = plant.device(CHILD, devices.resolve("good.pem"), devices.resolve("good.key"));
        X509Certificate unverified = other.device(CHILD, devices.resolve("other.pem"), devices.resolve("other.key"));

        // The gateway: key on a fresh SoftHSM2 token; both device CAs in its trust domain (the
        // gateway trusts the device either way: what differs is the hub).
        fixture.provisionGateway(GATEWAY, "");
        Path anchors = devices.resolve("anchors.pem");
        Files.writeString(anchors, Files.readString(devices.resolve("ca.pem")) + Files.readString(devices.resolve("other-ca.pem")));
        Files.writeString(fixture.etc.resolve("dev.palisade.trust.domain-attest-plant.cfg"), "name = " + DOMAIN
                + "\nanchors = " + anchors + "\n");
        Files.writeString(fixture.etc.resolve("dev.palisade.enroll.cfg"), "hub.id = " + HUB_ID
                + "\nbatch.size = 10\nretry.min.seconds = 1\nretry.max.seconds = 3\n");
        Enrollment enrollment = fixture.awaitService(Enrollment.class);
        Spool spool = fixture.awaitService(Spool.class);

        // The real device: pymodbus over TLS, requiring a client certificate from the gateway's CA.
        int devicePort = UpstreamItFixture.freePort();
        device = modbusDevices.startTls(CHILD, devicePort, devices.resolve("good.pem"), devices.resolve("good.key"),
                work.resolve("ca.pem"));
        Files.writeString(fixture.etc.resolve("dev.palisade.bus.modbus.device-" + CHILD + ".cfg"), "id = " + CHILD
                + "\ntransport = tls\nhost = 127.0.0.1\nport = " + devicePort + "\nunit.id = 1\npoll.interval.ms = 500"
                + "\ntimeout.ms = 3000\nbackoff.max.ms = 1000\ntrust.domain = " + DOMAIN + "\ntls.identity = " + CHILD
                + "\nchannels = v holding 0 int32\n");
        await("the device ONLINE over TLS with the identity the trust service verified", 60, () -> {
            LeafDevice d = leafDevice(CHILD);
            return d != null && d.status().state() == DeviceState.ONLINE && d.identity().isPresent();
        });
        PeerIdentity proven = leafDevice(CHILD).identity().orElseThrow();
        assertEquals(good, proven.chain().get(0));
        assertEquals(DOMAIN, proven.trustDomain());
        assertEquals("the session's tls-exporter binding", 32, proven.sessionBinding().length);

        // 1. Before the link exists: the child is known, its readings wait in the spool.
        await("the device's readings held in the spool", 60, () -> spool.stats().messages() >= 5);
        assertEquals(EnrollmentStatus.PENDING, state(enrollment).status());

        fixture.linkTo(hub, hubPort);
        await("the link UP against the hub", 90, () -> fixture.linkState() == LinkState.UP);

        // 2. Enrolled by attestation; the hub says so; the held readings reach the hub on the child's topic.
        await(CHILD + " enrolled", 60, () -> state(enrollment).status() == EnrollmentStatus.ENROLLED);
        assertEquals(ProofMode.ATTEST, state(enrollment).mode());
        assertTrue("the hub logs the attest enrollment" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child '" + CHILD + "' enrolled (attest)"));
        String shown = GatewayChecks.execute(commands, "palisade:children");
        assertTrue(shown, shown.matches("(?s).*\\n" + CHILD + " +enrolled +attest +- .*enrolled with hub " + HUB_ID + ".*"));
        long held = spool.stats().messages();
        await("the held readings acknowledged by the hub", 60, () -> upstreamCount(ACKNOWLEDGED) >= held
                && spool.stats().messages() < 5);
        assertEquals("the strict hub refused none of the child's publishes: " + upstream(), 0, upstreamCount(REFUSED_BY_HUB));
        long acknowledged = upstreamCount(ACKNOWLEDGED);
        await("readings keep flowing to the hub", 30, () -> upstreamCount(ACKNOWLEDGED) >= acknowledged + 3);

        // 3. The same device, restarted with a certificate from the CA the hub never verified.
        device.destroyForcibly();
        device.waitFor(10, TimeUnit.SECONDS);
        device = modbusDevices.startTls(CHILD, devicePort, devices.resolve("other.pem"), devices.resolve("other.key"),
                work.resolve("ca.pem"));
        await("the device back with its new certificate", 60, () -> leafDevice(CHILD) != null
                && leafDevice(CHILD).identity().map(i -> i.chain().get(0).equals(unverified)).orElse(false));
        await(CHILD + " refused by the hub", 60, () -> state(enrollment).status() == EnrollmentStatus.REFUSED);
        ChildState refused = state(enrollment);
        assertEquals("the hub's reason, as it came", "CA_NOT_VERIFIED", String.valueOf(refused.hubReason()));
        assertEquals(ProofMode.ATTEST, refused.mode());
        shown = GatewayChecks.execute(commands, "palisade:children");
        assertTrue(shown, shown.matches("(?s).*\\n" + CHILD + " +refused +attest +CA_NOT_VERIFIED .*other-ca.*"));
        assertTrue("the hub logs the refusal" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child '" + CHILD + "' refused: CA_NOT_VERIFIED"));
        // Its readings under the refused certificate stay on the gateway; the hub still refuses nothing.
        long before = spool.stats().messages();
        await("the refused child's readings held in the spool", 30, () -> spool.stats().messages() >= before + 3);
        assertEquals("the hub never had to refuse a publish: " + upstream(), 0, upstreamCount(REFUSED_BY_HUB));
    }

    // --- the device ---

    private LeafDevice leafDevice(String id) {
        return ModbusPeers.leafDevice(context, id);
    }

    // --- the gateway ---

    private String upstream() {
        try {
            return GatewayChecks.execute(commands, "palisade:upstream");
        } catch (Exception e) {
            throw new AssertionError("palisade:upstream failed: " + e.getMessage(), e);
        }
    }

    private long upstreamCount(Pattern counter) {
        String shown = upstream();
        Matcher m = counter.matcher(shown);
        if (!m.find()) {
            throw new AssertionError("palisade:upstream shows no '" + counter.pattern() + "': " + shown);
        }
        return Long.parseLong(m.group(1));
    }

    private static ChildState state(Enrollment enrollment) {
        Optional<ChildState> s = enrollment.child(CHILD);
        if (s.isEmpty()) {
            throw new AssertionError("child '" + CHILD + "' is not known: " + enrollment.children());
        }
        return s.get();
    }

    private void await(String what, long seconds, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "\n"
                        + GatewayChecks.execute(commands, "palisade:children") + "\n"
                        + GatewayChecks.execute(commands, "palisade:devices") + "\n" + upstream()
                        + (hub == null ? "" : hub.logTail()));
            }
            Thread.sleep(100);
        }
    }
}
