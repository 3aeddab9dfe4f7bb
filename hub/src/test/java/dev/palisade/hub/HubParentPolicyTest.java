package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.HubEnrollmentTest.Child;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.Reason;

/**
 * Which gateway may claim which child (docs/hub.md "Who may parent a child"), against the running
 * hub: by default only gateways of the child's own CA; {@code palisade-hub ca parents} names others
 * and can refuse attest; a child registered with a self-signed certificate is claimed only with it.
 */
class HubParentPolicyTest {
    private static final Duration YEAR = Duration.ofDays(365);

    @TempDir
    static Path tmp;
    static HubFixture hub;
    static TestCredential plantRoot;
    static TestCredential otherRoot;
    static EnrollingGateway plantGateway;
    static EnrollingGateway otherGateway;

    @BeforeAll
    static void startHub() throws Exception {
        hub = new HubFixture(tmp.resolve("hub"), EnrollmentSettings.defaults(), new HubEnrollmentTest.MovableClock());
        plantRoot = TestPki.rootCa("Plant-Root", YEAR);
        otherRoot = TestPki.rootCa("Other-Root", YEAR);
        hub.verifyCa("Plant-Root", plantRoot);
        hub.verifyCa("Other-Root", otherRoot);
        assertEquals(0, hub.admin("device", "add", "gw-plant", "--gateway", "--ca-chain").exit());
        assertEquals(0, hub.admin("device", "add", "gw-other", "--gateway", "--ca-chain").exit());
        hub.server.refreshTrust();
        plantGateway = connect(TestPki.leaf(plantRoot, "gw-plant", TestPki.Kind.GATEWAY, YEAR), "gw-plant");
        otherGateway = connect(TestPki.leaf(otherRoot, "gw-other", TestPki.Kind.GATEWAY, YEAR), "gw-other");
    }

    @AfterAll
    static void stopHub() throws Exception {
        for (EnrollingGateway g : new EnrollingGateway[] {plantGateway, otherGateway}) {
            if (g != null) {
                g.close();
            }
        }
        if (hub != null) {
            hub.close();
        }
    }

    private static EnrollingGateway connect(TestCredential credential, String id) throws Exception {
        hub.connect(credential, id).close();
        return EnrollingGateway.connect(hub.port, hub.serverCa(), credential, id);
    }


    private static Challenges.Entry ask(EnrollingGateway gw, TestCredential child, Mode mode) throws Exception {
        return HubEnrollmentTest.challenge(gw, List.of(new Child(child, mode))).entries().get(0);
    }

    @Test
    void aGatewayOfAnotherCaCannotClaimAChildByDefault() throws Exception {
        TestCredential sensor = TestPki.leaf(plantRoot, "sensor-default", TestPki.Kind.DEVICE, YEAR);
        Challenges.Entry foreign = ask(otherGateway, sensor, Mode.RELAY);
        assertEquals(Reason.NOT_ALLOWED_TO_PARENT, foreign.refused(), foreign.detail());
        assertTrue(foreign.detail().contains("gw-other") && foreign.detail().contains("Plant-Root"), foreign.detail());
        Challenges.Entry own = ask(plantGateway, sensor, Mode.RELAY);
        assertNull(own.refused(), own.detail());
    }

    @Test
    void caParentsNamesTheGatewaysAndCanRefuseAttest() throws Exception {
        TestCredential sensor = TestPki.leaf(otherRoot, "sensor-policy", TestPki.Kind.DEVICE, YEAR);
        HubFixture.Result set = hub.admin("ca", "parents", "Other-Root", "--gateways", "gw-plant", "--no-attest");
        assertEquals(0, set.exit(), set.toString());
        try {
            assertNull(ask(plantGateway, sensor, Mode.RELAY).refused());
            Challenges.Entry own = ask(otherGateway, sensor, Mode.RELAY);
            assertEquals(Reason.NOT_ALLOWED_TO_PARENT, own.refused(), own.detail());
            Challenges.Entry attest = ask(plantGateway, sensor, Mode.ATTEST);
            assertEquals(Reason.MODE_NOT_ALLOWED, attest.refused(), attest.detail());
            HubFixture.Result list = hub.admin("ca", "list");
            assertTrue(list.out().contains("parents    gateways gw-plant; attest refused"), list.out());
        } finally {
            assertEquals(0, hub.admin("ca", "parents", "Other-Root", "--any-gateway-of-ca").exit());
        }
        assertNull(ask(otherGateway, sensor, Mode.ATTEST).refused());
        HubFixture.Result bad = hub.admin("ca", "parents", "Other-Root");
        assertEquals(HubMain.USAGE, bad.exit(), bad.toString());
    }

    @Test
    void aRegisteredSelfSignedChildIsClaimedOnlyWithItsCertificate() throws Exception {
        TestCredential registered = TestPki.selfSigned("meter-ss", TestPki.Kind.DEVICE, YEAR);
        Path cer = tmp.resolve("meter-ss.cer");
        PkiFiles.writeCertificates(cer, registered.chain());
        assertEquals(0, hub.admin("device", "add", "meter-ss", "--self-signed", cer.toString()).exit());
        TestCredential impostor = TestPki.leaf(plantRoot, "meter-ss", TestPki.Kind.DEVICE, YEAR);
        Challenges.Entry e = ask(plantGateway, impostor, Mode.RELAY);
        assertEquals(Reason.NOT_ALLOWED_TO_PARENT, e.refused(), e.detail());
        assertTrue(e.detail().contains("self-signed"), e.detail());
    }
}
