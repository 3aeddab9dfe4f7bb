package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * The hub as gateways and operators meet it: a running HiveMQ with the hub extension, the
 * admin command line, and real MQTT v5 clients over mutual TLS with certificates from the
 * pki tool.
 */
class HubTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");
    /** MQTT 5 reason codes. */
    private static final int GRANTED_QOS_1 = 0x01;
    private static final int NOT_AUTHORIZED = 0x87;
    private static final int CLIENT_ID_NOT_VALID = 0x85;

    @TempDir
    static Path tmp;
    static HubFixture hub;
    static TestCredential plantRoot;
    static TestCredential plantIssuing;
    static TestCredential gw001;
    static TestCredential gw002;
    static TestCredential pendingRoot;
    static TestCredential gwPending;
    static TestCredential selfSignedGw;
    static TestCredential selfSignedGwNext;
    static TestCredential deviceCert;
    static TestCredential unregistered;
    static TestCredential disableRoot;
    static TestCredential gwDisabled;
    static TestCredential gwRemoved;

    @BeforeAll
    static void startHubAndRegister() throws Exception {
        hub = new HubFixture(tmp.resolve("hub"));
        plantRoot = TestPki.rootCa("Plant-Root", YEAR);
        plantIssuing = TestPki.intermediateCa(plantRoot, "Plant-Issuing", YEAR);
        gw001 = TestPki.leaf(plantIssuing, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        gw002 = TestPki.leaf(plantIssuing, "gw-002", TestPki.Kind.GATEWAY, YEAR);
        deviceCert = TestPki.leaf(plantIssuing, "sensor-7", TestPki.Kind.DEVICE, YEAR);
        unregistered = TestPki.leaf(plantIssuing, "gw-999", TestPki.Kind.GATEWAY, YEAR);
        pendingRoot = TestPki.rootCa("Pending-Root", YEAR);
        gwPending = TestPki.leaf(pendingRoot, "gw-pending", TestPki.Kind.GATEWAY, YEAR);
        selfSignedGw = TestPki.selfSigned("gw-ss", TestPki.Kind.GATEWAY, YEAR);
        selfSignedGwNext = TestPki.selfSigned("gw-ss", TestPki.Kind.GATEWAY, YEAR);

        // The whole CA flow through the admin command line: upload, code, proof, verified.
        Path rootCer = write("Plant-Root.cer", plantRoot);
        HubFixture.Result upload = hub.admin("ca", "upload", rootCer.toString());
        assertEquals(0, upload.exit(), upload.toString());
        assertTrue(upload.out().contains("pending"), upload.toString());
        String code = code(upload);
        Path proof = write("proof.cer", TestPki.verificationCertificate(plantRoot, code, Duration.ofDays(1)));
        HubFixture.Result verify = hub.admin("ca", "verify", "Plant-Root", proof.toString());
        assertEquals(0, verify.exit(), verify.toString());
        assertTrue(hub.admin("ca", "list").out().contains("verified"));

        disableRoot = TestPki.rootCa("Disable-Root", YEAR);
        gwDisabled = TestPki.leaf(disableRoot, "gw-dis", TestPki.Kind.GATEWAY, YEAR);
        gwRemoved = TestPki.leaf(plantIssuing, "gw-rm", TestPki.Kind.GATEWAY, YEAR);
        String disableCode = code(hub.admin("ca", "upload", write("Disable-Root.cer", disableRoot).toString()));
        assertEquals(0, hub.admin("ca", "verify", "Disable-Root", write("dis-proof.cer",
                TestPki.verificationCertificate(disableRoot, disableCode, YEAR)).toString()).exit());
        assertEquals(0, hub.admin("device", "add", "gw-dis", "--gateway", "--ca-chain").exit());
        assertEquals(0, hub.admin("device", "add", "gw-rm", "--gateway", "--ca-chain").exit());

        assertEquals(0, hub.admin("ca", "upload", write("Pending-Root.cer", pendingRoot).toString()).exit());
        for (String gw : new String[] {"gw-001", "gw-002", "gw-pending"}) {
            assertEquals(0, hub.admin("device", "add", gw, "--gateway", "--ca-chain").exit(), gw);
        }
        assertEquals(0, hub.admin("device", "add", "sensor-7", "--ca-chain").exit());
        HubFixture.Result ss = hub.admin("device", "add", "gw-ss", "--gateway", "--self-signed",
                write("gw-ss.cer", selfSignedGw).toString(), "--secondary", write("gw-ss-next.cer", selfSignedGwNext)
                        .toString());
        assertEquals(0, ss.exit(), ss.toString());
        hub.server.refreshTrust();
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    private static Path write(String name, TestCredential credential) throws Exception {
        Path file = tmp.resolve(name);
        PkiFiles.writeCertificates(file, credential.chain());
        return file;
    }

    private static String code(HubFixture.Result result) {
        Matcher m = CODE.matcher(result.out());
        assertTrue(m.find(), "no verification code in: " + result);
        return m.group(1);
    }

    /** PUBACK codes below 0x80 are successes (0x10 is "no matching subscribers"). */
    private static void assertAccepted(int pubackReasonCode) {
        assertTrue(pubackReasonCode < 0x80, "PUBACK reason code 0x" + Integer.toHexString(pubackReasonCode));
    }

    /** The hub polls the registry every 2 s and then disconnects sessions it no longer accepts. */
    private static void assertCutOff(GatewayClient gw) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (gw.disconnected == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(gw.disconnected != null, "the open session was not cut off");
        assertEquals(NOT_AUTHORIZED, gw.disconnected.getReturnCode(), String.valueOf(gw.disconnected));
    }

    private static int refusal(TestCredential credential, String clientId) {
        MqttException e = assertThrows(MqttException.class, () -> hub.connect(credential, clientId).close());
        return e.getReasonCode();
    }

    @Test
    void gatewayUnderVerifiedCaConnectsAndUsesItsTopics() throws Exception {
        try (GatewayClient gw = hub.connect(gw001, "gw-001")) {
            assertEquals(GRANTED_QOS_1, gw.subscribe("palisade/v1/gw-001/#"));
            assertAccepted(gw.publish("palisade/v1/gw-001/telemetry", "21.5"));
            assertEquals("palisade/v1/gw-001/telemetry 21.5", gw.received.poll(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void publishingUnderAnotherGatewaysTopicsIsRefusedAndTheConnectionStays() throws Exception {
        try (GatewayClient gw = hub.connect(gw001, "gw-001")) {
            assertEquals(NOT_AUTHORIZED, gw.publish("palisade/v1/gw-002/d/x/telemetry", "stolen"));
            assertEquals(NOT_AUTHORIZED, gw.publish("elsewhere/topic", "x"));
            assertEquals(NOT_AUTHORIZED, gw.subscribe("palisade/v1/gw-002/#"));
            Thread.sleep(500);
            assertTrue(gw.client.isConnected(), "a denied publish must not drop the gateway: " + gw.disconnected);
            assertAccepted(gw.publish("palisade/v1/gw-001/status", "still here"));
        }
    }

    @Test
    void disablingACaCutsOffItsGatewaysAndRefusesThem() throws Exception {
        try (GatewayClient gw = hub.connect(gwDisabled, "gw-dis")) {
            assertAccepted(gw.publish("palisade/v1/gw-dis/status", "up"));
            HubFixture.Result disable = hub.admin("ca", "disable", "Disable-Root");
            assertEquals(0, disable.exit(), disable.toString());
            assertCutOff(gw);
        }
        assertEquals(NOT_AUTHORIZED, refusal(gwDisabled, "gw-dis"));
    }

    @Test
    void aRemovedGatewayIsCutOffAndRefused() throws Exception {
        try (GatewayClient gw = hub.connect(gwRemoved, "gw-rm")) {
            assertAccepted(gw.publish("palisade/v1/gw-rm/status", "up"));
            assertEquals(0, hub.admin("device", "remove", "gw-rm").exit());
            assertCutOff(gw);
        }
        assertEquals(NOT_AUTHORIZED, refusal(gwRemoved, "gw-rm"));
    }

    @Test
    void gatewayCertificateWithAnotherGatewaysClientIdIsRefused() {
        assertEquals(CLIENT_ID_NOT_VALID, refusal(gw001, "gw-002"));
    }

    @Test
    void certificateWhoseCnNamesNoRegisteredDeviceIsRefused() {
        assertEquals(NOT_AUTHORIZED, refusal(unregistered, "gw-999"));
    }

    @Test
    void chainToAnUnverifiedCaIsRefused() {
        assertEquals(NOT_AUTHORIZED, refusal(gwPending, "gw-pending"));
    }

    @Test
    void aDeviceIsNotAGateway() {
        assertEquals(NOT_AUTHORIZED, refusal(deviceCert, "sensor-7"));
    }

    @Test
    void selfSignedGatewayConnectsWithPrimaryAndSecondaryCertificate() throws Exception {
        try (GatewayClient gw = hub.connect(selfSignedGw, "gw-ss")) {
            assertAccepted(gw.publish("palisade/v1/gw-ss/status", "primary"));
        }
        try (GatewayClient gw = hub.connect(selfSignedGwNext, "gw-ss")) {
            assertAccepted(gw.publish("palisade/v1/gw-ss/status", "secondary"));
        }
    }

    @Test
    void aSecondCredentialKindIsRefused() throws Exception {
        HubFixture.Result both = hub.admin("device", "add", "dev-two", "--ca-chain", "--token");
        assertEquals(1, both.exit(), both.toString());
        assertTrue(both.err().contains("exactly one credential kind"), both.toString());

        HubFixture.Result token = hub.admin("device", "add", "dev-token", "--token");
        assertEquals(0, token.exit(), token.toString());
        assertTrue(token.out().contains("token "), token.toString());
        HubFixture.Result again = hub.admin("device", "add", "dev-token", "--self-signed",
                write("other.cer", TestPki.selfSigned("dev-token", TestPki.Kind.DEVICE, YEAR)).toString());
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("already has a token credential"), again.toString());

        HubFixture.Result gatewayToken = hub.admin("device", "add", "gw-tok", "--gateway", "--token");
        assertEquals(1, gatewayToken.exit(), gatewayToken.toString());
        assertTrue(gatewayToken.err().contains("mutual TLS only"), gatewayToken.toString());
    }

    @Test
    void verificationWithTheWrongCodeIsRefused() throws Exception {
        TestCredential ca = TestPki.rootCa("Wrong-Code-CA", YEAR);
        code(hub.admin("ca", "upload", write("wc.cer", ca).toString()));
        Path proof = write("wc-proof.cer", TestPki.verificationCertificate(ca, "00112233445566778899AABBCCDDEEFF0011223344556677", YEAR));
        HubFixture.Result r = hub.admin("ca", "verify", "Wrong-Code-CA", proof.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("is not CA 'Wrong-Code-CA''s current verification code"), r.toString());
        assertTrue(hub.admin("ca", "list").out().contains("Wrong-Code-CA            pending"));
    }

    @Test
    void verificationSignedByAnotherKeyIsRefused() throws Exception {
        TestCredential ca = TestPki.rootCa("Other-Key-CA", YEAR);
        TestCredential impostor = TestPki.rootCa("Other-Key-CA", YEAR);
        String code = code(hub.admin("ca", "upload", write("ok.cer", ca).toString()));
        Path proof = write("ok-proof.cer", TestPki.verificationCertificate(impostor, code, YEAR));
        HubFixture.Result r = hub.admin("ca", "verify", "Other-Key-CA", proof.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("not signed with CA 'Other-Key-CA''s private key"), r.toString());
    }

    @Test
    void verificationAfterTheCodeExpiredIsRefused() throws Exception {
        TestCredential ca = TestPki.rootCa("Slow-CA", YEAR);
        String code = code(hub.admin("ca", "upload", write("slow.cer", ca).toString()));
        Path proof = write("slow-proof.cer", TestPki.verificationCertificate(ca, code, YEAR));
        Clock later = Clock.offset(Clock.systemUTC(), HubSettings.DEFAULT_CODE_VALIDITY.plusMinutes(1));
        HubFixture.Result r = hub.admin(later, "ca", "verify", "Slow-CA", proof.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("verification code expired"), r.toString());
        assertTrue(r.err().contains("palisade-hub ca code Slow-CA"), r.toString());
    }

    @Test
    void aReplayedVerificationCertificateIsRefused() throws Exception {
        TestCredential ca = TestPki.rootCa("Replay-CA", YEAR);
        Path cer = write("replay.cer", ca);
        String code = code(hub.admin("ca", "upload", cer.toString()));
        Path proof = write("replay-proof.cer", TestPki.verificationCertificate(ca, code, YEAR));
        assertEquals(0, hub.admin("ca", "verify", "Replay-CA", proof.toString()).exit());
        HubFixture.Result twice = hub.admin("ca", "verify", "Replay-CA", proof.toString());
        assertEquals(1, twice.exit(), twice.toString());
        assertTrue(twice.err().contains("already verified"), twice.toString());

        // Registered anew, the CA gets a new code; the old proof must not verify it.
        assertEquals(0, hub.admin("ca", "remove", "Replay-CA").exit());
        code(hub.admin("ca", "upload", cer.toString()));
        HubFixture.Result replay = hub.admin("ca", "verify", "Replay-CA", proof.toString());
        assertEquals(1, replay.exit(), replay.toString());
        assertTrue(replay.err().contains("was already used"), replay.toString());
    }

    @Test
    void everyAdminActionIsAudited() {
        HubFixture.Result audit = hub.admin("audit", "--limit", "1000");
        assertEquals(0, audit.exit(), audit.toString());
        assertTrue(audit.out().contains("ca upload      Plant-Root"), audit.out());
        assertTrue(audit.out().contains("ca verify      Plant-Root           ok"), audit.out());
        assertTrue(audit.out().contains("device add     gw-001"), audit.out());
    }

    @Test
    void adminErrorsHaveDocumentedExitCodes() throws Exception {
        assertEquals(3, hub.admin("ca", "disable", "No-Such-CA").exit());
        assertEquals(3, hub.admin("device", "show", "nobody").exit());
        assertEquals(2, hub.admin("device", "frobnicate").exit());
        HubFixture.Result unreadable = hub.admin("ca", "upload", tmp.resolve("missing.cer").toString());
        assertEquals(2, unreadable.exit(), unreadable.toString());
        Path junk = tmp.resolve("junk.cer");
        Files.writeString(junk, "not a certificate");
        HubFixture.Result notCert = hub.admin("ca", "upload", junk.toString());
        assertEquals(2, notCert.exit(), notCert.toString());
        assertTrue(notCert.err().contains("junk.cer"), notCert.toString());
        HubFixture.Result leaf = hub.admin("ca", "upload", write("leaf.cer", gw001).toString());
        assertEquals(1, leaf.exit(), leaf.toString());
        assertTrue(leaf.err().contains("not a CA certificate"), leaf.toString());
    }
}
