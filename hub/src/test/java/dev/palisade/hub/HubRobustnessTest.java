package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.HubEnrollmentTest.Child;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Wire;

/**
 * The hub against hostile or failing conditions, over real MQTT sessions: every well-formed
 * request gets exactly one answer (docs/protocol.md §2), even when the hub fails in a way nobody
 * planned for (here its clock throws); a packet larger than the protocol's largest message is
 * refused before the hub buffers it.
 */
class HubRobustnessTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");

    /** The hub's clock, broken on demand. */
    static final class BreakableClock extends Clock {
        volatile boolean broken;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            if (broken) {
                throw new IllegalStateException("the test broke the hub's clock");
            }
            return Instant.now();
        }
    }

    @TempDir
    static Path tmp;
    static HubFixture hub;
    static BreakableClock clock = new BreakableClock();
    static TestCredential root;
    static EnrollingGateway gateway;

    @BeforeAll
    static void startHub() throws Exception {
        hub = new HubFixture(tmp.resolve("hub"), EnrollmentSettings.defaults(), clock);
        root = TestPki.rootCa("Plant-Root", YEAR);
        Path cer = tmp.resolve("root.cer");
        PkiFiles.writeCertificates(cer, root.chain());
        HubFixture.Result upload = hub.admin("ca", "upload", cer.toString());
        Matcher m = CODE.matcher(upload.out());
        assertTrue(m.find(), upload.toString());
        Path proof = tmp.resolve("proof.cer");
        PkiFiles.writeCertificates(proof, TestPki.verificationCertificate(root, m.group(1), Duration.ofDays(1)).chain());
        assertEquals(0, hub.admin("ca", "verify", "Plant-Root", proof.toString()).exit());
        assertEquals(0, hub.admin("device", "add", "gw-001", "--gateway", "--ca-chain").exit());
        assertEquals(0, hub.admin("device", "add", "gw-big", "--gateway", "--ca-chain").exit());
        assertEquals(0, hub.admin("device", "add", "gw-will", "--gateway", "--ca-chain").exit());
        hub.server.refreshTrust();
        TestCredential gw = TestPki.leaf(root, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        hub.connect(gw, "gw-001").close();
        gateway = EnrollingGateway.connect(hub.port, hub.serverCa(), gw, "gw-001");
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void anUnexpectedFailureIsAnsweredUnavailable() throws Exception {
        Child child = new Child(TestPki.leaf(root, "pump-1", TestPki.Kind.DEVICE, YEAR), Mode.RELAY);
        byte[] request = new EnrollRequest(List.of(new EnrollRequest.ChildRequest("pump-1", Mode.RELAY, child.chain())))
                .toJson();
        clock.broken = true;
        byte[] answer;
        try {
            answer = gateway.request(Wire.TOPIC_REQUEST, request);
        } finally {
            clock.broken = false;
        }
        ErrorAnswer error = ErrorAnswer.parse(answer);
        assertEquals(Reason.UNAVAILABLE, error.reason(), error.detail());
        // and the hub goes on answering
        assertEquals(1, HubEnrollmentTest.challenge(gateway, List.of(child)).entries().size());
    }

    @Test
    void theHubAnnouncesAndKeepsAPacketLimitOfTheProtocolsLargestMessage() throws Exception {
        TestCredential gw = TestPki.leaf(root, "gw-big", TestPki.Kind.GATEWAY, YEAR);
        var client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient("ssl://127.0.0.1:" + hub.port, "gw-big",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setSocketFactory(GatewayClient.sslContext(hub.serverCa(), gw).getSocketFactory());
        var connect = client.connect(options);
        connect.waitForCompletion(15_000);
        try {
            Long announced = connect.getResponseProperties().getMaximumPacketSize();
            // Without a limit HiveMQ reads packets of up to 256 MiB (and announces nothing).
            assertTrue(announced != null && announced >= Wire.MAX_MESSAGE_BYTES && announced <= Wire.MAX_MESSAGE_BYTES + 64 * 1024,
                    "CONNACK Maximum Packet Size " + announced);
            var message = new org.eclipse.paho.mqttv5.common.MqttMessage(new byte[Wire.MAX_MESSAGE_BYTES + 128 * 1024]);
            message.setQos(1);
            Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> client.publish("palisade/v1/gw-big/telemetry", message).waitForCompletion(10_000));
            assertTrue(String.valueOf(refused.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("large")
                    || !client.isConnected(), String.valueOf(refused));
        } finally {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        }
    }

    /** @return the CONNACK reason code of a session that leaves a will on {@code willTopic} */
    private static int connectWithWill(String willTopic) throws Exception {
        TestCredential gw = TestPki.leaf(root, "gw-will", TestPki.Kind.GATEWAY, YEAR);
        var client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient("ssl://127.0.0.1:" + hub.port, "gw-will",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        var options = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setSocketFactory(GatewayClient.sslContext(hub.serverCa(), gw).getSocketFactory());
        options.setWill(willTopic, new org.eclipse.paho.mqttv5.common.MqttMessage("{\"state\":\"gone\"}".getBytes()));
        try {
            client.connect(options).waitForCompletion(15_000);
            client.disconnect().waitForCompletion(5_000);
            return 0;
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            return e.getReasonCode();
        } finally {
            client.close();
        }
    }

    @Test
    void aWillOnAChildOrEnrollmentTopicIsRefusedAtConnect() throws Exception {
        assertEquals(0, connectWithWill("palisade/v1/gw-will/status"));
        assertEquals(0x87, connectWithWill("palisade/v1/gw-will/d/victim-1/status"));
        assertEquals(0x87, connectWithWill("palisade/v1/gw-will/enroll/request"));
    }
}
