package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.HubEnrollmentTest.Child;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.BatchAssembler;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;

/**
 * The hub's enrollment policies found missing by the review of issue 8, against the running
 * reference hub: the leaf policy at the request (dates, key usage, extended key usage, key type
 * and size), the attestation's session binding, relations that follow their CA ({@code ca
 * disable|enable|remove}) and their certificate's notAfter, and a device registered with a fixed
 * parent gateway ({@code device add --parent}).
 */
class HubEnrollmentPolicyTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final int NOT_AUTHORIZED = 0x87;
    private static final String HUB = EnrollmentSettings.DEFAULT_HUB_ID;
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


    private static Challenges.Entry ask(EnrollingGateway gw, TestCredential child) throws Exception {
        return HubEnrollmentTest.challenge(gw, List.of(new Child(child, Mode.RELAY))).entries().get(0);
    }

    private static void assertLeafRefused(TestCredential child, String detailPart) throws Exception {
        Challenges.Entry e = ask(plant.gateway1(), child);
        assertEquals(Reason.CHAIN_INVALID, e.refused(), child.commonName() + ": " + e.detail());
        assertTrue(e.detail().startsWith("leaf policy: '" + child.commonName() + "'") && e.detail().contains(detailPart),
                e.detail());
    }

    private static void assertAccepted(TestCredential child) throws Exception {
        Challenges.Entry e = ask(plant.gateway1(), child);
        assertNull(e.refused(), child.commonName() + ": " + e.refused() + " " + e.detail());
    }

    private static LeafCertificates.Spec p256() throws Exception {
        return LeafCertificates.Spec.device(LeafCertificates.ec("secp256r1"));
    }

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

    /** A request for a self-signed child: its chain is its one certificate (HubEnrollmentTest leaves roots out). */
    private static Challenges challengeSelfSigned(EnrollingGateway gw, TestCredential child) throws Exception {
        return Challenges.parse(gw.request(dev.palisade.protocol.enroll.Wire.TOPIC_REQUEST, new dev.palisade.protocol.enroll
                .EnrollRequest(List.of(new dev.palisade.protocol.enroll.EnrollRequest.ChildRequest(child.commonName(), Mode.RELAY,
                        List.of(child.certificate().getEncoded())))).toJson()));
    }

    private static String childLine(String child) {
        return hub.admin("child", "list").out().lines().filter(l -> l.startsWith(child + " ")).findFirst().orElse("(not listed)");
    }

    @Test
    void leavesOutsideTheLeafPolicyAreRefusedAtTheRequestWithTheRuleNamed() throws Exception {
        Instant now = Instant.now();
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "future-1",
                p256().valid(now.plus(Duration.ofDays(1)), now.plus(YEAR))), "not valid before");
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "usage-1", p256().usage(KeyUsage.keyEncipherment)),
                "keyUsage lacks digitalSignature");
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "eku-1", p256().purposes(KeyPurposeId.id_kp_codeSigning)),
                "extendedKeyUsage");
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "p521-1",
                LeafCertificates.Spec.device(LeafCertificates.ec("secp521r1"))), "neither P-256 nor P-384");
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "rsa1024-1",
                LeafCertificates.Spec.device(LeafCertificates.rsa(1024))), "RSA key of 1024 bits");
        assertLeafRefused(LeafCertificates.issue(plant.issuing, "ed25519-1",
                LeafCertificates.Spec.device(LeafCertificates.ed25519())), "Ed");
        // what a device leaf may be
        assertAccepted(LeafCertificates.issue(plant.issuing, "p384-1", LeafCertificates.Spec.device(LeafCertificates.ec("secp384r1"))));
        assertAccepted(LeafCertificates.issue(plant.issuing, "rsa2048-1", LeafCertificates.Spec.device(LeafCertificates.rsa(2048))));
        assertAccepted(LeafCertificates.issue(plant.issuing, "server-1", p256().purposes(KeyPurposeId.id_kp_serverAuth)));
        assertAccepted(LeafCertificates.issue(plant.issuing, "nousage-1", p256().usage(null).purposes((KeyPurposeId[]) null)));
    }

    /** One attest child, proved with this session binding. */
    private static Results.Entry attest(String id, String bindingType, byte[] binding) throws Exception {
        Child c = new Child(TestPki.leaf(plant.issuing, id, TestPki.Kind.DEVICE, YEAR), Mode.ATTEST);
        Challenges.Entry e = HubEnrollmentTest.challenge(plant.gateway1(), List.of(c)).entries().get(0);
        assertNull(e.refused(), e.detail());
        BatchAssembler a = new BatchAssembler(HUB, "gw-001");
        a.add(new SignedBytes.Binding(HUB, "gw-001", e.nonce(), c.credential().certificate().getEncoded()),
                ProofBatch.ChildProof.attested(e.enrollment(), id, new ProofBatch.Attestation(Instant.ofEpochMilli(System.currentTimeMillis()), "plant-a",
                        bindingType, binding)));
        ProofBatch batch = a.assemble(Signatures.ES256, HubEnrollmentTest.sign(plant.gw001.key(), a.statement()));
        return HubEnrollmentTest.single(HubEnrollmentTest.submit(plant.gateway1(), batch));
    }

    @Test
    void anAttestationBindsWithTlsExporterOrNoneOnly() throws Exception {
        assertEquals(Results.Status.ENROLLED, attest("bind-ok-1", "tls-exporter", new byte[32]).status());
        assertEquals(Results.Status.ENROLLED, attest("bind-none-1", "none", new byte[0]).status());
        Results.Entry shortBinding = attest("bind-short-1", "tls-exporter", new byte[16]);
        assertEquals(Reason.MODE_NOT_ALLOWED, shortBinding.reason(), shortBinding.detail());
        assertTrue(shortBinding.detail().contains("16 bytes"), shortBinding.detail());
        Results.Entry other = attest("bind-other-1", "tls-unique", new byte[12]);
        assertEquals(Reason.MODE_NOT_ALLOWED, other.reason(), other.detail());
        assertTrue(other.detail().contains("'tls-unique'"), other.detail());
        Results.Entry noneWithBytes = attest("bind-none-2", "none", new byte[32]);
        assertEquals(Reason.MODE_NOT_ALLOWED, noneWithBytes.reason(), noneWithBytes.detail());
    }

    @Test
    void relationsAreSuspendedWhileTheirCaIsDisabledOrRemoved() throws Exception {
        // The children's CA is not the gateway's: disabling it leaves the gateway's own session alone.
        TestCredential lineRoot = TestPki.rootCa("Line-Root", YEAR);
        hub.verifyCa("Line-Root", lineRoot);
        assertEquals(0, hub.admin("ca", "parents", "Line-Root", "--gateways", "gw-001").exit());
        HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.enroll(plant.gateway1(), "gw-001", plant.gw001, List.of(
                new Child(TestPki.leaf(lineRoot, "line-1", TestPki.Kind.DEVICE, YEAR), Mode.RELAY))));
        HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.enroll(plant.gateway1(), "gw-001", plant.gw001, List.of(
                new Child(TestPki.leaf(plant.issuing, "plant-side-1", TestPki.Kind.DEVICE, YEAR), Mode.RELAY))));
        assertTrue(plant.gateway1().publish("d/line-1/telemetry", "{}") < 0x80);
        assertTrue(childLine("line-1").endsWith("active"), childLine("line-1"));

        HubFixture.Result disable = hub.admin("ca", "disable", "Line-Root");
        assertEquals(0, disable.exit(), disable.toString());
        assertTrue(disable.out().contains("1 enrolled child(ren) under it suspended"), disable.out());
        assertEquals(NOT_AUTHORIZED, pubackOnceApplied(plant.gateway1(), "line-1", NOT_AUTHORIZED), "suspended with its CA");
        assertTrue(childLine("line-1").contains("suspended (CA 'Line-Root' is disabled)"), childLine("line-1"));
        assertTrue(plant.gateway1().publish("d/plant-side-1/telemetry", "{}") < 0x80, "a child of another CA is untouched");

        HubFixture.Result enable = hub.admin("ca", "enable", "Line-Root");
        assertEquals(0, enable.exit(), enable.toString());
        assertTrue(pubackOnceApplied(plant.gateway1(), "line-1", 0) < 0x80, "restored with its CA");
        assertTrue(childLine("line-1").endsWith("active"), childLine("line-1"));

        assertEquals(0, hub.admin("ca", "remove", "Line-Root").exit());
        assertEquals(NOT_AUTHORIZED, pubackOnceApplied(plant.gateway1(), "line-1", NOT_AUTHORIZED), "suspended: CA removed");
        assertTrue(childLine("line-1").contains("suspended (its CA was removed)"), childLine("line-1"));
        HubFixture.Result enableUnknown = hub.admin("ca", "enable", "Plant-Root");
        assertTrue(enableUnknown.exit() != 0 && enableUnknown.err().contains("only a disabled CA is enabled"),
                "a verified CA is not 'enabled': " + enableUnknown);
    }

    @Test
    void anExpiredChildNoLongerPublishesThroughItsParent() throws Exception {
        Instant now = Instant.now();
        TestCredential shortLived = TestPki.leaf(plant.issuing, "short-1", TestPki.Kind.DEVICE, now.minusSeconds(60),
                now.plusSeconds(6));
        HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.enroll(plant.gateway1(), "gw-001", plant.gw001, List.of(
                new Child(shortLived, Mode.RELAY))));
        assertTrue(plant.gateway1().publish("d/short-1/telemetry", "{}") < 0x80, "valid: delivered");
        long wait = shortLived.certificate().getNotAfter().getTime() + 1_500 - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        assertEquals(NOT_AUTHORIZED, plant.gateway1().publish("d/short-1/telemetry", "{}"), "expired: refused");
        assertTrue(childLine("short-1").contains("expired"), childLine("short-1"));
    }

    @Test
    void aDeviceWithAFixedParentIsEnrolledOnlyThroughThatGateway() throws Exception {
        TestCredential meter = TestPki.selfSigned("meter-fixed", TestPki.Kind.DEVICE, YEAR);
        Path cer = tmp.resolve("meter-fixed.cer");
        PkiFiles.writeCertificates(cer, meter.chain());
        HubFixture.Result add = hub.admin("device", "add", "meter-fixed", "--self-signed", cer.toString(), "--parent", "gw-001");
        assertEquals(0, add.exit(), add.toString());
        assertTrue(add.out().contains("only gateway 'gw-001' may enroll it"), add.out());
        assertTrue(hub.admin("device", "show", "meter-fixed").out().contains("parent     gw-001"));

        Challenges.Entry other = challengeSelfSigned(plant.gateway2(), meter).entries().get(0);
        assertEquals(Reason.NOT_ALLOWED_TO_PARENT, other.refused(), other.detail());
        assertTrue(other.detail().contains("parent gateway 'gw-001'"), other.detail());
        Challenges own = challengeSelfSigned(plant.gateway1(), meter);
        assertNull(own.entries().get(0).refused(), own.entries().get(0).detail());
        HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.submit(plant.gateway1(), HubEnrollmentTest.prove("gw-001", plant.gw001.key(), own,
                List.of(new Child(meter, Mode.RELAY)), s -> s, null)));
        assertTrue(plant.gateway1().publish("d/meter-fixed/telemetry", "{}") < 0x80);

        // the same for a device the operator registered by id under a CA
        assertEquals(0, hub.admin("device", "add", "pump-fixed", "--ca-chain", "--parent", "gw-002").exit());
        Child pump = new Child(TestPki.leaf(plant.issuing, "pump-fixed", TestPki.Kind.DEVICE, YEAR), Mode.RELAY);
        Challenges.Entry notIt = HubEnrollmentTest.challenge(plant.gateway1(), List.of(pump)).entries().get(0);
        assertEquals(Reason.NOT_ALLOWED_TO_PARENT, notIt.refused(), notIt.detail());
        assertNull(HubEnrollmentTest.challenge(plant.gateway2(), List.of(pump)).entries().get(0).refused());

        HubFixture.Result gatewayParent = hub.admin("device", "add", "gw-x", "--gateway", "--ca-chain", "--parent", "gw-001");
        assertEquals(HubMain.USAGE, gatewayParent.exit(), gatewayParent.toString());
    }
}
