package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.HubEnrollmentTest.Child;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;

/**
 * What the hub's operator does with enrolled children, against the running reference hub: revoke
 * a certificate ({@code ca revoke-cert}), list and remove children ({@code child list|remove}),
 * each audited, each seen by the gateway on the wire; and the races between two gateways.
 * The admin commands run in-process but on their own database connections, as the CLI's would.
 */
class HubChildAdminTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final int NOT_AUTHORIZED = 0x87;
    /** The hub applies another process's change within ParentCache.RECHECK (0.5 s); allow for load. */
    private static final long APPLIED_WITHIN_MILLIS = 5_000;

    @TempDir
    static Path tmp;
    static TwoGatewayPlant plant;
    static HubFixture hub;

    @BeforeAll
    static void startHub() throws Exception {
        plant = TwoGatewayPlant.start(tmp.resolve("hub"));
        hub = plant.hub;
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (plant != null) {
            plant.close();
        }
    }

    private static Path write(String name, java.security.cert.X509Certificate cert) throws Exception {
        Path file = tmp.resolve(name);
        PkiFiles.writeCertificates(file, List.of(cert));
        return file;
    }

    private static Child child(TestCredential issuer, String id) {
        return new Child(TestPki.leaf(issuer, id, TestPki.Kind.DEVICE, YEAR), Mode.RELAY);
    }

    private static Results enroll(EnrollingGateway gw, String id, TestCredential credential, Child... children) throws Exception {
        return HubEnrollmentTest.enroll(gw, id, credential, List.of(children));
    }

    /** The PUBACK code once the hub has applied a change made by another process (polls; fails after the bound). */
    private static int pubackOnceApplied(EnrollingGateway gw, String child, int expected) throws Exception {
        long deadline = System.currentTimeMillis() + APPLIED_WITHIN_MILLIS;
        int code;
        do {
            code = gw.publish("d/" + child + "/telemetry", "{}");
            if (code == expected) {
                return code;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return code;
    }

    private static String audit() {
        return hub.admin("audit", "--limit", "200").out();
    }

    @Test
    void aBatchOfOneEnrollsAndItsChildSpeaksThroughItsParent() throws Exception {
        Results r = enroll(plant.gateway1(), "gw-001", plant.gw001, child(plant.issuing, "single-1"));
        assertEquals(1, r.entries().size());
        HubEnrollmentTest.assertEnrolled(r);
        assertTrue(plant.gateway1().publish("d/single-1/telemetry", "{}") < 0x80);
    }

    @Test
    void removingARegisteredChildDeviceEndsItsEnrollment() throws Exception {
        assertEquals(0, hub.admin("device", "add", "registered-1", "--ca-chain").exit());
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway1(), "gw-001", plant.gw001, child(plant.issuing, "registered-1")));
        assertTrue(plant.gateway1().publish("d/registered-1/telemetry", "{}") < 0x80);
        HubFixture.Result removed = hub.admin("device", "remove", "registered-1");
        assertEquals(0, removed.exit(), removed.toString());
        assertTrue(removed.out().contains("enrollment under gateway 'gw-001' ended"), removed.out());
        assertEquals(NOT_AUTHORIZED, pubackOnceApplied(plant.gateway1(), "registered-1", NOT_AUTHORIZED));
        assertTrue(hub.admin("child", "list").out().lines().noneMatch(l -> l.startsWith("registered-1 ")));
    }

    @Test
    void aRevokedChildCertificateIsRefusedAndItsEnrollmentEnds() throws Exception {
        Child c = child(plant.issuing, "revoked-leaf-1");
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway1(), "gw-001", plant.gw001, c));
        assertTrue(plant.gateway1().publish("d/revoked-leaf-1/telemetry", "{}") < 0x80, "enrolled: delivered");
        Path cert = write("revoked-leaf-1.cer", c.credential().certificate());

        HubFixture.Result revoke = hub.admin("ca", "revoke-cert", cert.toString());
        assertEquals(0, revoke.exit(), revoke.toString());
        assertTrue(revoke.out().contains("child 'revoked-leaf-1' of gateway 'gw-001' unenrolled"), revoke.out());
        assertEquals(NOT_AUTHORIZED, pubackOnceApplied(plant.gateway1(), "revoked-leaf-1", NOT_AUTHORIZED),
                "the revoked child's telemetry is refused once the hub sees the revocation");
        Challenges.Entry again = HubEnrollmentTest.challenge(plant.gateway1(), List.of(c)).entries().get(0);
        assertEquals(Reason.REVOKED, again.refused(), again.detail());
        assertTrue(again.detail().contains("revoked"), again.detail());

        HubFixture.Result twice = hub.admin("ca", "revoke-cert", cert.toString());
        assertEquals(1, twice.exit(), twice.toString());
        assertTrue(twice.err().contains("already revoked"), twice.err());
        HubFixture.Result list = hub.admin("ca", "revoked");
        assertTrue(list.out().contains("CN=revoked-leaf-1"), list.out());
        assertTrue(audit().matches("(?s).*ca revoke-cert\\s+CN=revoked-leaf-1.*ok: thumbprint.*revoked-leaf-1.*"), audit());
    }

    @Test
    void aRevokedIntermediateRefusesEveryChildBelowIt() throws Exception {
        TestCredential line2 = TestPki.intermediateCa(plant.root, "Line2-Issuing", YEAR);
        Child before = child(line2, "line2-a");
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway1(), "gw-001", plant.gw001, before));
        assertEquals(0, hub.admin("ca", "revoke-cert", write("line2.cer", line2.certificate()).toString()).exit());
        Challenges.Entry e = HubEnrollmentTest.challenge(plant.gateway1(), List.of(child(line2, "line2-b"))).entries().get(0);
        assertEquals(Reason.REVOKED, e.refused(), e.detail());
        // A child enrolled before keeps its relation (only its own certificate's revocation ends it),
        // but it cannot be enrolled again: its chain now holds a revoked certificate.
        assertEquals(Reason.REVOKED, HubEnrollmentTest.challenge(plant.gateway1(), List.of(before)).entries().get(0).refused());
    }

    @Test
    void aCertificateRevokedBetweenChallengeAndProofIsRefusedAtTheProof() throws Exception {
        Child c = child(plant.issuing, "late-revoked-1");
        Challenges ch = HubEnrollmentTest.challenge(plant.gateway1(), List.of(c));
        ProofBatch proof = HubEnrollmentTest.prove("gw-001", plant.gw001.key(), ch, List.of(c), s -> s, null);
        assertEquals(0, hub.admin("ca", "revoke-cert", write("late.cer", c.credential().certificate()).toString()).exit());
        Results.Entry r = HubEnrollmentTest.single(HubEnrollmentTest.submit(plant.gateway1(), proof));
        assertEquals(Reason.REVOKED, r.reason(), r.detail());
        assertEquals(NOT_AUTHORIZED, plant.gateway1().publish("d/late-revoked-1/telemetry", "{}"));
    }

    @Test
    void aCaDisabledBetweenChallengeAndProofRefusesTheProof() throws Exception {
        // The chain passed PKIX at the request; the proof must still see the CA's new status.
        TestCredential line3 = TestPki.rootCa("Line3-Root", YEAR);
        hub.verifyCa("Line3-Root", line3);
        // gw-001 is not of this CA: the CA's parent policy must name it (docs/hub.md).
        assertEquals(0, hub.admin("ca", "parents", "Line3-Root", "--gateways", "gw-001").exit());
        Child c = child(line3, "line3-a");
        Challenges ch = HubEnrollmentTest.challenge(plant.gateway1(), List.of(c));
        assertEquals(null, ch.entries().get(0).refused(), String.valueOf(ch.entries().get(0).detail()));
        ProofBatch proof = HubEnrollmentTest.prove("gw-001", plant.gw001.key(), ch, List.of(c), s -> s, null);
        assertEquals(0, hub.admin("ca", "disable", "Line3-Root").exit());
        Results.Entry r = HubEnrollmentTest.single(HubEnrollmentTest.submit(plant.gateway1(), proof));
        assertEquals(Reason.REVOKED, r.reason(), r.detail());
        assertTrue(r.detail().contains("disabled"), r.detail());
    }

    @Test
    void theOperatorListsAndRemovesChildren() throws Exception {
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway1(), "gw-001", plant.gw001, child(plant.issuing, "list-a"), child(plant.issuing, "list-b")));
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway2(), "gw-002", plant.gw002, child(plant.issuing, "list-c")));
        HubFixture.Result all = hub.admin("child", "list");
        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.out().matches("(?s).*list-a\\s+gw-001\\s+relay.*list-b\\s+gw-001\\s+relay.*list-c\\s+gw-002\\s+relay.*"),
                all.out());
        HubFixture.Result ofGw2 = hub.admin("child", "list", "--gateway", "gw-002");
        assertTrue(ofGw2.out().contains("list-c") && !ofGw2.out().contains("list-a"), ofGw2.out());
        assertEquals("gateway 'nobody' has no enrolled children\n", hub.admin("child", "list", "--gateway", "nobody").out());

        assertTrue(plant.gateway1().publish("d/list-b/telemetry", "{}") < 0x80);
        HubFixture.Result remove = hub.admin("child", "remove", "list-b");
        assertEquals(0, remove.exit(), remove.toString());
        assertTrue(remove.out().contains("removed from gateway 'gw-001'"), remove.out());
        assertEquals(NOT_AUTHORIZED, pubackOnceApplied(plant.gateway1(), "list-b", NOT_AUTHORIZED), "removed: refused");
        assertTrue(plant.gateway1().publish("d/list-a/telemetry", "{}") < 0x80, "its sibling is untouched");
        assertTrue(!hub.admin("child", "list").out().contains("list-b"));

        HubFixture.Result missing = hub.admin("child", "remove", "list-b");
        assertEquals(3, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("no enrolled child 'list-b'"), missing.err());
        assertEquals(2, hub.admin("child", "frobnicate").exit());
        String log = audit();
        assertTrue(log.matches("(?s).*child remove\\s+list-b\\s+ok: was a child of gateway 'gw-001' \\(relay\\).*"), log);
        assertTrue(log.matches("(?s).*child remove\\s+list-b\\s+refused: no enrolled child.*"), log);

        // removed, the child may be enrolled by another gateway
        HubEnrollmentTest.assertEnrolled(enroll(plant.gateway2(), "gw-002", plant.gw002, child(plant.issuing, "list-b")));
        assertTrue(plant.gateway2().publish("d/list-b/telemetry", "{}") < 0x80);
        assertEquals(NOT_AUTHORIZED, plant.gateway1().publish("d/list-b/telemetry", "{}"));
    }

    @Test
    void ofTwoGatewaysChallengedForOneChildOnlyTheFirstProofWins() throws Exception {
        Child c = child(plant.issuing, "contested-1");
        Challenges ch1 = HubEnrollmentTest.challenge(plant.gateway1(), List.of(c));
        Challenges ch2 = HubEnrollmentTest.challenge(plant.gateway2(), List.of(c));
        assertEquals(null, ch2.entries().get(0).refused(), "not enrolled yet: both are challenged");
        ProofBatch p2 = HubEnrollmentTest.prove("gw-002", plant.gw002.key(), ch2, List.of(c), s -> s, null);
        HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.submit(plant.gateway1(),
                HubEnrollmentTest.prove("gw-001", plant.gw001.key(), ch1, List.of(c), s -> s, null)));
        Results.Entry lost = HubEnrollmentTest.single(HubEnrollmentTest.submit(plant.gateway2(), p2));
        assertEquals(Reason.PARENTED_ELSEWHERE, lost.reason(), lost.detail());
        assertEquals(NOT_AUTHORIZED, plant.gateway2().publish("d/contested-1/telemetry", "{}"), "the loser may not speak for it");
        assertTrue(plant.gateway1().publish("d/contested-1/telemetry", "{}") < 0x80);
        assertTrue(hub.admin("child", "list", "--gateway", "gw-001").out().contains("contested-1"));
    }
}
