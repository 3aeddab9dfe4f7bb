package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.BatchAssembler;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;
import dev.palisade.protocol.enroll.Unenroll;
import dev.palisade.protocol.enroll.Wire;

/**
 * Enrollment against the running reference hub (HiveMQ CE, SQLite registry), with a Paho MQTT v5
 * client playing the gateway and keys in software: each mode, batches, and each refusal the hub
 * gives, as the gateway sees them on the wire (docs/protocol.md).
 */
class HubEnrollmentTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final int NOT_AUTHORIZED = 0x87;
    private static final String HUB = EnrollmentSettings.DEFAULT_HUB_ID;

    @TempDir
    static Path tmp;
    static HubFixture hub;
    static MovableClock clock = new MovableClock();
    static TestCredential plantRoot;
    static TestCredential plantIssuing;
    static TestCredential gw001;
    static TestCredential gw002;
    static TestCredential pendingRoot;
    static TestCredential disabledRoot;
    static TestCredential strangerRoot;
    static EnrollingGateway gateway1;
    static EnrollingGateway gateway2;

    /** The hub's clock; a test moves it past a challenge's expiry. */
    static final class MovableClock extends Clock {
        volatile Duration offset = Duration.ZERO;

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
            return Instant.now().plus(offset);
        }
    }

    @BeforeAll
    static void startHubAndRegister() throws Exception {
        hub = new HubFixture(tmp.resolve("hub"), EnrollmentSettings.defaults(), clock);
        plantRoot = TestPki.rootCa("Plant-Root", YEAR);
        plantIssuing = TestPki.intermediateCa(plantRoot, "Plant-Issuing", YEAR);
        gw001 = TestPki.leaf(plantIssuing, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        gw002 = TestPki.leaf(plantIssuing, "gw-002", TestPki.Kind.GATEWAY, YEAR);
        pendingRoot = TestPki.rootCa("Pending-Root", YEAR);
        disabledRoot = TestPki.rootCa("Disabled-Root", YEAR);
        strangerRoot = TestPki.rootCa("Stranger-Root", YEAR);
        hub.verifyCa("Plant-Root", plantRoot);
        hub.verifyCa("Disabled-Root", disabledRoot);
        assertEquals(0, hub.admin("ca", "disable", "Disabled-Root").exit());
        assertEquals(0, hub.admin("ca", "upload", write("Pending-Root.cer", pendingRoot).toString()).exit());
        for (String gw : new String[] {"gw-001", "gw-002"}) {
            assertEquals(0, hub.admin("device", "add", gw, "--gateway", "--ca-chain").exit(), gw);
        }
        assertEquals(0, hub.admin("device", "add", "tok-1", "--token").exit());
        hub.server.refreshTrust();
        gateway1 = connect(gw001, "gw-001");
        gateway2 = connect(gw002, "gw-002");
    }

    private static EnrollingGateway connect(TestCredential credential, String id) throws Exception {
        hub.connect(credential, id).close(); // waits until the broker's truststore has the CA
        return EnrollingGateway.connect(hub.port, hub.serverCa(), credential, id);
    }


    @AfterAll
    static void stopHub() throws Exception {
        for (EnrollingGateway g : new EnrollingGateway[] {gateway1, gateway2}) {
            if (g != null) {
                g.close();
            }
        }
        if (hub != null) {
            hub.close();
        }
    }

    private static Path write(String name, TestCredential credential) throws Exception {
        Path file = tmp.resolve(name);
        PkiFiles.writeCertificates(file, credential.chain());
        return file;
    }

    // ---- the gateway's side of the protocol, with hooks to misbehave ----

    record Child(TestCredential credential, Mode mode, String id) {
        Child(TestCredential credential, Mode mode) {
            this(credential, mode, credential.commonName());
        }

        List<byte[]> chain() throws Exception {
            List<byte[]> der = new ArrayList<>();
            for (var c : credential.chain()) {
                if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                    der.add(c.getEncoded()); // the root is the hub's; leave it out
                }
            }
            return der;
        }
    }

    static Challenges challenge(EnrollingGateway gw, List<Child> children) throws Exception {
        List<EnrollRequest.ChildRequest> requests = new ArrayList<>();
        for (Child c : children) {
            requests.add(new EnrollRequest.ChildRequest(c.id(), c.mode(), c.chain()));
        }
        return Challenges.parse(gw.request(Wire.TOPIC_REQUEST, new EnrollRequest(requests).toJson()));
    }

    /** Builds and signs a proof batch for the challenged children; the hooks change what is signed. */
    static ProofBatch prove(String gatewayId, PrivateKey gatewayKey, Challenges challenges, List<Child> children,
            UnaryOperator<byte[]> childStatementHook, Mode proofMode) throws Exception {
        BatchAssembler a = new BatchAssembler(HUB, gatewayId);
        for (int i = 0; i < children.size(); i++) {
            Child c = children.get(i);
            Challenges.Entry e = challenges.entries().get(i);
            byte[] leaf = c.credential().certificate().getEncoded();
            SignedBytes.Binding binding = new SignedBytes.Binding(HUB, gatewayId, e.nonce(), leaf);
            Mode mode = proofMode != null ? proofMode : c.mode();
            if (mode == Mode.ATTEST) {
                a.add(binding, ProofBatch.ChildProof.attested(e.enrollment(), c.id(), new ProofBatch.Attestation(
                        Instant.ofEpochMilli(System.currentTimeMillis()), "plant-a", "tls-exporter", new byte[32])));
            } else {
                byte[] statement = SignedBytes.childStatement(mode, HUB, gatewayId, c.id(), e.enrollment(), e.nonce(), leaf);
                a.add(binding, ProofBatch.ChildProof.signed(e.enrollment(), c.id(), mode, Signatures.ES256,
                        sign(c.credential().key(), childStatementHook.apply(statement))));
            }
        }
        return a.assemble(Signatures.ES256, sign(gatewayKey, a.statement()));
    }

    static Results submit(EnrollingGateway gw, ProofBatch batch) throws Exception {
        return Results.parse(gw.request(Wire.TOPIC_PROOF, batch.toJson()));
    }

    static Results enroll(EnrollingGateway gw, String gatewayId, TestCredential gatewayCredential, List<Child> children)
            throws Exception {
        Challenges ch = challenge(gw, children);
        for (Challenges.Entry e : ch.entries()) {
            assertNull(e.refused(), e.child() + " refused at the request: " + e.refused() + " " + e.detail());
        }
        return submit(gw, prove(gatewayId, gatewayCredential.key(), ch, children, s -> s, null));
    }

    static byte[] sign(PrivateKey key, byte[] data) throws Exception {
        Signature s = Signature.getInstance(Signatures.ES256);
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    static TestCredential device(TestCredential issuer, String id) {
        return TestPki.leaf(issuer, id, TestPki.Kind.DEVICE, YEAR);
    }

    static void assertEnrolled(Results results) {
        for (Results.Entry e : results.entries()) {
            assertEquals(Results.Status.ENROLLED, e.status(), e.child() + ": " + e.reason() + " " + e.detail());
        }
    }

    static void assertRefusedAtRequest(Reason expected, Child child) throws Exception {
        Challenges.Entry e = challenge(gateway1, List.of(child)).entries().get(0);
        assertEquals(expected, e.refused(), child.id() + ": " + e.detail());
        assertTrue(!e.detail().isBlank(), "a refusal says why");
    }

    static Results.Entry single(Results r) {
        assertEquals(1, r.entries().size());
        return r.entries().get(0);
    }

    // ---- the tests ----

    @Test
    void eachModeEnrollsAndThenOnlyTheParentSpeaksForTheChild() throws Exception {
        List<Child> children = List.of(new Child(device(plantIssuing, "pump-7"), Mode.RELAY),
                new Child(device(plantIssuing, "plc-1"), Mode.ATTEST),
                new Child(device(plantIssuing, "meter-2"), Mode.CUSTODIAL));
        assertEquals(NOT_AUTHORIZED, gateway1.publish("d/pump-7/telemetry", "{}"), "before enrollment");
        Challenges ch = challenge(gateway1, children);
        assertEquals(HUB, ch.hub());
        assertEquals("gw-001", ch.gateway());
        for (Challenges.Entry e : ch.entries()) {
            assertEquals(32, e.nonce().length);
            assertTrue(e.expires().isAfter(Instant.now().plusSeconds(50)) && e.expires().isBefore(Instant.now().plusSeconds(70)),
                    "a 60 s challenge: " + e.expires());
        }
        assertEnrolled(submit(gateway1, prove("gw-001", gw001.key(), ch, children, s -> s, null)));
        for (String child : new String[] {"pump-7", "plc-1", "meter-2"}) {
            assertTrue(gateway1.publish("d/" + child + "/telemetry", "{\"t\":1}") < 0x80, child + " telemetry from its parent");
        }
        // another gateway: cannot publish for it, cannot enroll it
        assertEquals(NOT_AUTHORIZED, gateway2.publish("d/pump-7/telemetry", "{}"));
        Challenges.Entry claim = challenge(gateway2, List.of(children.get(0))).entries().get(0);
        assertEquals(Reason.PARENTED_ELSEWHERE, claim.refused(), claim.detail());
        // a child the gateway never enrolled
        assertEquals(NOT_AUTHORIZED, gateway1.publish("d/never-enrolled/telemetry", "{}"));
        // unenroll: the relation ends, telemetry is refused again, and gw-002 may now enroll it
        Results un = Results.parse(gateway1.request(Wire.TOPIC_REMOVE, new Unenroll(List.of("meter-2")).toJson()));
        assertEquals(Results.Status.UNENROLLED, single(un).status());
        assertEquals(NOT_AUTHORIZED, gateway1.publish("d/meter-2/telemetry", "{}"));
        assertEquals(Reason.UNKNOWN_ENROLLMENT, single(Results.parse(
                gateway1.request(Wire.TOPIC_REMOVE, new Unenroll(List.of("meter-2")).toJson()))).reason());
        assertEnrolled(enroll(gateway2, "gw-002", gw002, List.of(children.get(2))));
        assertTrue(gateway2.publish("d/meter-2/telemetry", "{}") < 0x80);
    }

    @Test
    void theHubAnswersOnlyOnTheDocumentedResponseTopicNeverOnAChildTopic() throws Exception {
        byte[] request = new EnrollRequest(List.of(new EnrollRequest.ChildRequest("victim-1", Mode.RELAY,
                new Child(device(plantIssuing, "victim-1"), Mode.RELAY).chain()))).toJson();
        var onChildTopic = gateway1.requestWithResponseTopic(Wire.TOPIC_REQUEST, request, "d/victim-1/telemetry",
                "d/victim-1/#");
        var elsewhere = gateway1.requestWithResponseTopic(Wire.TOPIC_REQUEST, request, "other", "other");
        // The proper request after both: once its answer is here, the hub has handled the others.
        assertEquals(1, challenge(gateway1, List.of(new Child(device(plantIssuing, "victim-2"), Mode.RELAY))).entries().size());
        assertNull(onChildTopic.poll(2, java.util.concurrent.TimeUnit.SECONDS), "the hub answered on a child's topic");
        assertNull(elsewhere.poll(0, java.util.concurrent.TimeUnit.SECONDS), "the hub answered on another topic");
    }

    @Test
    void aBatchOfOneHundredIsProvenUnderOneGatewaySignature() throws Exception {
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            children.add(new Child(device(plantIssuing, "batch-" + i), Mode.values()[i % 3]));
        }
        Results r = enroll(gateway1, "gw-001", gw001, children);
        assertEquals(100, r.entries().size());
        assertEnrolled(r);
    }

    @Test
    void aBatchOfOneThousandIsProvenUnderOneGatewaySignature() throws Exception {
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            children.add(new Child(device(plantIssuing, "plant-" + i), Mode.values()[i % 3]));
        }
        long start = System.nanoTime();
        Results r = enroll(gateway1, "gw-001", gw001, children);
        System.out.printf("1,000 children enrolled in one batch in %d ms (one request, one proof)%n",
                (System.nanoTime() - start) / 1_000_000);
        assertEquals(1000, r.entries().size());
        assertEnrolled(r);
        assertTrue(gateway1.publish("d/plant-999/telemetry", "{}") < 0x80);
    }

    @Test
    void chainsTheHubCannotTrustAreRefusedAtTheRequest() throws Exception {
        assertRefusedAtRequest(Reason.UNKNOWN_CA, new Child(device(strangerRoot, "stray-1"), Mode.RELAY));
        assertRefusedAtRequest(Reason.CA_NOT_VERIFIED, new Child(device(pendingRoot, "pending-1"), Mode.RELAY));
        assertRefusedAtRequest(Reason.REVOKED, new Child(device(disabledRoot, "revoked-1"), Mode.RELAY));
        TestCredential expired = TestPki.leaf(plantIssuing, "expired-1", TestPki.Kind.DEVICE,
                Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
        assertRefusedAtRequest(Reason.CHAIN_INVALID, new Child(expired, Mode.RELAY));
        // the verified CA's names on another key: the signatures are what PKIX checks, not the names
        TestCredential fakeRoot = TestPki.rootCa("Plant-Root", YEAR);
        TestCredential fakeIssuing = TestPki.intermediateCa(fakeRoot, "Plant-Issuing", YEAR);
        assertRefusedAtRequest(Reason.CHAIN_INVALID, new Child(device(fakeIssuing, "forged-1"), Mode.RELAY));
        assertRefusedAtRequest(Reason.SUBJECT_MISMATCH, new Child(device(plantIssuing, "real-name"), Mode.RELAY, "other-name"));
        assertRefusedAtRequest(Reason.NOT_ALLOWED_TO_PARENT, new Child(TestPki.leaf(plantIssuing, "gw-002",
                TestPki.Kind.DEVICE, YEAR), Mode.RELAY));
        assertRefusedAtRequest(Reason.NOT_ALLOWED_TO_PARENT, new Child(device(plantIssuing, "tok-1"), Mode.RELAY));
        // one bad child does not spoil the others of its request
        Challenges mixed = challenge(gateway1, List.of(new Child(device(strangerRoot, "stray-2"), Mode.RELAY),
                new Child(device(plantIssuing, "fine-1"), Mode.RELAY)));
        assertEquals(Reason.UNKNOWN_CA, mixed.entries().get(0).refused());
        assertNull(mixed.entries().get(1).refused());
    }

    @Test
    void proofsThatDoNotHoldAreRefusedWithTheirReason() throws Exception {
        // bad child signature: the child signed something else
        Child c1 = new Child(device(plantIssuing, "sig-1"), Mode.RELAY);
        Challenges ch1 = challenge(gateway1, List.of(c1));
        Results.Entry r1 = single(submit(gateway1, prove("gw-001", gw001.key(), ch1, List.of(c1), s -> {
            byte[] t = s.clone();
            t[t.length - 1] ^= 1;
            return t;
        }, null)));
        assertEquals(Reason.BAD_SIGNATURE, r1.reason(), r1.detail());

        // bad gateway signature: signed with another gateway's key
        Child c2 = new Child(device(plantIssuing, "sig-2"), Mode.CUSTODIAL);
        Challenges ch2 = challenge(gateway1, List.of(c2));
        assertEquals(Reason.BAD_GATEWAY_SIGNATURE, single(submit(gateway1, prove("gw-001", gw002.key(), ch2, List.of(c2),
                s -> s, null))).reason());

        // replay: the same (valid) proof twice
        Child c3 = new Child(device(plantIssuing, "replay-1"), Mode.RELAY);
        ProofBatch once = prove("gw-001", gw001.key(), challenge(gateway1, List.of(c3)), List.of(c3), s -> s, null);
        assertEnrolled(submit(gateway1, once));
        assertEquals(Reason.NONCE_REPLAYED, single(submit(gateway1, once)).reason());

        // mode: asked for relay, proved custodial
        Child c4 = new Child(device(plantIssuing, "mode-1"), Mode.RELAY);
        assertEquals(Reason.MODE_NOT_ALLOWED, single(submit(gateway1, prove("gw-001", gw001.key(),
                challenge(gateway1, List.of(c4)), List.of(c4), s -> s, Mode.CUSTODIAL))).reason());

        // an enrollment id the hub never issued
        Child c5 = new Child(device(plantIssuing, "unknown-1"), Mode.RELAY);
        Challenges real = challenge(gateway1, List.of(c5));
        Challenges.Entry e = real.entries().get(0);
        byte[] forged = e.enrollment();
        forged[0] ^= 1;
        Challenges fake = new Challenges(HUB, "gw-001", List.of(Challenges.Entry.challenge(c5.id(), forged, e.nonce(), e.expires())));
        assertEquals(Reason.UNKNOWN_ENROLLMENT, single(submit(gateway1, prove("gw-001", gw001.key(), fake, List.of(c5),
                s -> s, null))).reason());
    }

    @Test
    void anExpiredChallengeIsRefused() throws Exception {
        Child c = new Child(device(plantIssuing, "late-1"), Mode.RELAY);
        Challenges ch = challenge(gateway1, List.of(c));
        ProofBatch batch = prove("gw-001", gw001.key(), ch, List.of(c), s -> s, null);
        clock.offset = Duration.ofSeconds(61);
        try {
            Results.Entry r = single(submit(gateway1, batch));
            assertEquals(Reason.NONCE_EXPIRED, r.reason(), r.detail());
        } finally {
            clock.offset = Duration.ZERO;
        }
    }

    @Test
    void malformedMessagesGetAnErrorNamingTheField() throws Exception {
        byte[] answer = gateway1.request(Wire.TOPIC_REQUEST,
                "{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a/b\"}]}".getBytes(StandardCharsets.UTF_8));
        ErrorAnswer error = ErrorAnswer.parse(answer);
        assertEquals(Reason.MALFORMED, error.reason());
        assertTrue(error.detail().contains("children[0].child"), error.detail());
        ErrorAnswer version = ErrorAnswer.parse(gateway1.request(Wire.TOPIC_PROOF,
                "{\"v\":2,\"type\":\"proof\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(version.detail().contains("unsupported protocol version 2"), version.detail());
    }
}
