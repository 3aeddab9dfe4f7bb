package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.identity.GatewayIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
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
import org.osgi.util.tracker.ServiceTracker;

/**
 * Modbus/TCP Security with the real parts of the distribution: the gateway's key made on a fresh
 * SoftHSM2 token through {@code palisade:identity init/csr/install}, its certificate issued from
 * that CSR by a test CA (with the Modbus.org role extension), the real trust service verifying
 * the devices in trust domains configured from {@code etc/}, and pymodbus TLS servers that
 * require a client certificate from that CA.
 *
 * <p>Shown as a field engineer sees it: the device ONLINE with readings and the identity it
 * proved; a write refused locally by the gateway's role; devices REFUSED with the trust
 * service's reason in {@code palisade:devices} and {@code palisade:modbus devices} — a certificate
 * from another CA, an identity mismatch, a certificate revoked by a CRL file, and the operator's
 * deny-list, which takes effect on a running gateway and is lifted the same way.
 *
 * <p>Needs the Debian packages python3-pymodbus and softhsm2, and {@code SOFTHSM2_CONF} in the
 * test JVM's environment (set by Failsafe); a missing one fails the test naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ModbusTlsIT {

    private static final String GATEWAY = "gw-modbus-it";
    private static final String DOMAIN = "plant-modbus";
    private static final String CRL_DOMAIN = "plant-modbus-crl";
    private static final String CHANNELS = "v holding 0 int32; sp holding 600 int16 writable min=0 max=100";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private ModbusPeers modbusDevices;
    private Path etc;
    private Path work;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-modbustls-it")));
    }

    @After
    public void stopProcesses() throws InterruptedException {
        if (modbusDevices != null) {
            modbusDevices.close();
        }
    }

    @Test
    public void tlsDevicesWithTheTokenIdentityTheTrustServiceAndTheRole() throws Exception {
        etc = Path.of(context.getProperty("palisade.etc"));
        work = Files.createDirectories(Path.of(context.getProperty("palisade.data")).resolve("modbustls-it"));
        modbusDevices = new ModbusPeers(work);

        // The gateway's identity: key on a fresh SoftHSM2 token, certificate from the test CA
        // through the CSR, with the Modbus.org role "Viewer".
        ModbusTlsItPki pki = new ModbusTlsItPki("modbus-it-ca");
        ModbusTlsItPki rogueCa = new ModbusTlsItPki("rogue-ca");
        pki.writeCa(work.resolve("ca.pem"));
        provisionIdentity(pki, "Viewer");
        X509Certificate gatewayCert = service(GatewayIdentity.class).chain().get(0);
        assertEquals("CN=" + GATEWAY, gatewayCert.getSubjectX500Principal().getName());
        assertEquals(pki.ca().getSubjectX500Principal(), gatewayCert.getIssuerX500Principal());
        assertNotNull("the role extension is in the installed certificate", gatewayCert.getExtensionValue(ModbusTlsItPki.ROLE_OID));

        // Devices: the right one, one under a CA the plant does not trust, one revoked by a CRL.
        X509Certificate good = pki.device("plc-tls-1", work.resolve("good.pem"), work.resolve("good.key"));
        rogueCa.device("plc-tls-1", work.resolve("rogue.pem"), work.resolve("rogue.key"));
        X509Certificate revoked = pki.device("plc-tls-2", work.resolve("revoked.pem"), work.resolve("revoked.key"));
        pki.crl(work.resolve("ca.crl"), revoked);
        int goodPort = startTlsPeer("good");
        int roguePort = startTlsPeer("rogue");
        int revokedPort = startTlsPeer("revoked");
        assertTheDeviceRequiresAClientCertificate(goodPort, pki.ca());

        // The trust domains, as an operator writes them.
        Files.writeString(etc.resolve("dev.palisade.trust.domain-plant-modbus.cfg"), "name = " + DOMAIN + "\nanchors = "
                + work.resolve("ca.pem") + "\n");
        Files.writeString(etc.resolve("dev.palisade.trust.domain-plant-modbus-crl.cfg"), "name = " + CRL_DOMAIN
                + "\nanchors = " + work.resolve("ca.pem") + "\nrevocation = crl-fail-closed\ncrls = "
                + work.resolve("ca.crl") + "\n");

        // 1 + 2: mutual TLS, the device verified by the trust domain with its identity rule.
        Path plc1 = device("plc-tls-1", goodPort, DOMAIN, null, "");
        UpstreamItFixture.await("plc-tls-1 ONLINE over TLS with readings", 60, () -> state("plc-tls-1") == DeviceState.ONLINE
                && device("plc-tls-1").latest().size() == 2);
        LeafDevice device = device("plc-tls-1");
        Reading v = device.latest().stream().filter(r -> r.channel().equals("v")).findFirst().orElseThrow();
        assertEquals(0x12345678L, ((Number) v.value()).longValue());
        PeerIdentity peer = device.identity().orElseThrow(() -> new AssertionError("no proven identity on plc-tls-1"));
        assertEquals("plc-tls-1", peer.identity());
        assertEquals(DOMAIN, peer.trustDomain());
        assertEquals(good, peer.chain().get(0));
        // The attest mode's session binding: the TLS exporter of that session, signed with the token key.
        assertEquals("a 32-byte tls-exporter session binding", 32, peer.sessionBinding().length);
        String listed = GatewayChecks.execute(commands, "palisade:devices");
        assertTrue(listed, listed.contains("plc-tls-1 [modbus] ") && listed.contains("identity plc-tls-1 in domain " + DOMAIN));
        String read = GatewayChecks.execute(commands, "palisade:modbus read plc-tls-1 v");
        assertTrue(read, read.startsWith("plc-tls-1/v = 305419896 (GOOD"));

        // 4: the role "Viewer" in the gateway's certificate: a write refused locally, with the reason.
        try {
            GatewayChecks.execute(commands, "palisade:modbus write plc-tls-1 sp 42");
            fail("a write under the role Viewer must be refused");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("NOT_WRITABLE") && e.getMessage().contains("role 'Viewer'")
                    && e.getMessage().contains("function 6"));
        }
        // The mapping is the operator's: allow Viewer everything on this device, and the write goes through.
        Files.writeString(plc1, Files.readString(plc1) + "tls.role.functions = Viewer=*\n");
        awaitCommand("the write allowed by the new role mapping", "palisade:modbus write plc-tls-1 sp 42",
                "wrote plc-tls-1/sp = 42, read back 42 (GOOD");

        // 3: refusals with the trust service's reason, each in both listings.
        device("plc-impostor", goodPort, DOMAIN, "plc-tls-9", "");
        device("plc-rogue", roguePort, DOMAIN, "plc-tls-1", "");
        device("plc-tls-2", revokedPort, CRL_DOMAIN, null, "");
        assertRefused("plc-impostor", "IDENTITY_MISMATCH", "plc-tls-9");
        assertRefused("plc-rogue", "NO_PATH", null);
        assertRefused("plc-tls-2", "REVOKED", "ca.crl");
        assertEquals(DeviceState.ONLINE, state("plc-tls-1"));

        // The deny-list on the running gateway: the device connected right now is refused ...
        Path denylist = etc.resolve("dev.palisade.trust.denylist.cfg");
        Files.writeString(denylist, "fingerprints = " + ModbusTlsItPki.sha256(good) + "\n");
        assertRefused("plc-tls-1", "DENIED", null);
        assertTrue("a refused device keeps no proven identity", device("plc-tls-1").identity().isEmpty());
        // ... and lifting it lets the device back in, still without a restart.
        Files.writeString(denylist, "fingerprints = \n");
        UpstreamItFixture.await("plc-tls-1 ONLINE again after the deny-list entry is removed", 60,
                () -> state("plc-tls-1") == DeviceState.ONLINE);
        assertEquals(DeviceState.REFUSED, state("plc-rogue"));
    }

    // --- the peers ---

    /** modbus-sim.py in tls mode with {@code <name>.pem/.key}, requiring a client certificate from ca.pem. */
    private int startTlsPeer(String name) throws Exception {
        return modbusDevices.startTls(name, work.resolve(name + ".pem"), work.resolve(name + ".key"), work.resolve("ca.pem"));
    }

    /** Without a client certificate the peer gives nothing: the gateway's ONLINE proves its token key was accepted. */
    private void assertTheDeviceRequiresAClientCertificate(int port, X509Certificate ca) throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(anchors);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(null, tmf.getTrustManagers(), new SecureRandom());
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            // Read holding register 0 (MBAP + PDU); a server that requires a certificate closes instead.
            socket.getOutputStream().write(new byte[] {0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2});
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            int first = in.read();
            assertEquals("the TLS peer answered a client without a certificate", -1, first);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the TLS peer neither answered nor refused a client without a certificate", e);
        } catch (IOException expected) {
            // handshake or read refused (alert, reset): the peer requires a client certificate
        }
    }

    // --- the gateway ---

    private void provisionIdentity(ModbusTlsItPki pki, String role) throws Exception {
        String pin = UpstreamItFixture.freshToken("modbustls-it");
        Path pinFile = work.resolve("token.pin");
        Files.writeString(pinFile, pin + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(etc.resolve("dev.palisade.identity.pkcs11.cfg"), "library = " + UpstreamItFixture.softHsmLibrary()
                + "\nslot.index = 0\npin.file = " + pinFile + "\n");
        awaitCommand("the identity command", "palisade:identity init", null);
        Path csr = work.resolve("gw.csr");
        GatewayChecks.execute(commands, "palisade:identity csr --subject CN=" + GATEWAY + " --out " + csr);
        pki.issueGateway(csr, GATEWAY, role, work.resolve("chain.pem"));
        GatewayChecks.execute(commands, "palisade:identity install " + work.resolve("chain.pem") + " --root "
                + work.resolve("ca.pem"));
        UpstreamItFixture.await("the gateway identity", 30, () -> service(GatewayIdentity.class) != null);
    }

    private Path device(String id, int port, String domain, String identity, String extra) throws IOException {
        Path cfg = etc.resolve("dev.palisade.bus.modbus.device-" + id + ".cfg");
        Files.writeString(cfg, "# written by ModbusTlsIT\nid = " + id + "\ntransport = tls\nhost = 127.0.0.1\nport = " + port
                + "\nunit.id = 1\npoll.interval.ms = 200\ntimeout.ms = 3000\nbackoff.max.ms = 1000\ntrust.domain = " + domain
                + "\n" + (identity == null ? "" : "tls.identity = " + identity + "\n") + "channels = " + CHANNELS + "\n" + extra);
        return cfg;
    }

    private void assertRefused(String id, String reason, String detail) throws Exception {
        UpstreamItFixture.await(id + " REFUSED with " + reason, 60, () -> state(id) == DeviceState.REFUSED
                && device(id).status().reason().contains(reason));
        String why = device(id).status().reason();
        if (detail != null) {
            assertTrue(why, why.contains(detail));
        }
        if (!id.equals("plc-tls-1")) {
            assertTrue(id + " has no readings", device(id).latest().isEmpty());
        }
        for (String command : List.of("palisade:devices", "palisade:modbus devices")) {
            String shown = GatewayChecks.execute(commands, command);
            String line = shown.lines().filter(l -> l.startsWith(id + " [modbus] ")).findFirst()
                    .orElseThrow(() -> new AssertionError(command + " does not list " + id + ":\n" + shown));
            assertTrue(command + ": " + line, line.contains(": REFUSED since ") && line.contains(reason));
        }
    }

    private DeviceState state(String id) {
        LeafDevice device = device(id);
        return device == null ? null : device.status().state();
    }

    private LeafDevice device(String id) {
        return ModbusPeers.leafDevice(context, id);
    }

    private void awaitCommand(String what, String line, String expectedStart) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                String out = GatewayChecks.execute(commands, line);
                if (expectedStart == null || out.startsWith(expectedStart)) {
                    return;
                }
                last = out;
            } catch (Exception e) {
                last = e.getMessage();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + ": '" + line + "' last gave: " + last);
    }

    private <T> T service(Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            return tracker.getService();
        } finally {
            tracker.close();
        }
    }

}
