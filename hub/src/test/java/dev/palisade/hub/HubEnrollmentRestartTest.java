package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.HubEnrollmentTest.Child;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;

/**
 * The hub restarted between challenge and proof: challenges live in the registry, so the proof
 * is accepted by the new hub process, and an enrolled child stays enrolled; replaying the proof
 * to the restarted hub is refused.
 */
class HubEnrollmentRestartTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");

    @TempDir
    Path tmp;

    @Test
    void aProofIsAcceptedByTheHubRestartedAfterItsChallenge() throws Exception {
        Path data = tmp.resolve("hub");
        TestCredential root = TestPki.rootCa("Plant-Root", YEAR);
        TestCredential gw = TestPki.leaf(root, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        Child before = new Child(TestPki.leaf(root, "before-1", TestPki.Kind.DEVICE, YEAR), Mode.RELAY);
        Child across = new Child(TestPki.leaf(root, "across-1", TestPki.Kind.DEVICE, YEAR), Mode.CUSTODIAL);
        ProofBatch pending;
        try (HubFixture hub = new HubFixture(data, EnrollmentSettings.defaults(), Clock.systemUTC())) {
            Path cer = tmp.resolve("root.cer");
            PkiFiles.writeCertificates(cer, root.chain());
            HubFixture.Result upload = hub.admin("ca", "upload", cer.toString());
            Matcher m = CODE.matcher(upload.out());
            assertTrue(m.find(), upload.toString());
            Path proof = tmp.resolve("proof.cer");
            PkiFiles.writeCertificates(proof, TestPki.verificationCertificate(root, m.group(1), Duration.ofDays(1)).chain());
            assertEquals(0, hub.admin("ca", "verify", "Plant-Root", proof.toString()).exit());
            assertEquals(0, hub.admin("device", "add", "gw-001", "--gateway", "--ca-chain").exit());
            hub.server.refreshTrust();
            hub.connect(gw, "gw-001").close();
            try (EnrollingGateway g = EnrollingGateway.connect(hub.port, hub.serverCa(), gw, "gw-001")) {
                HubEnrollmentTest.assertEnrolled(HubEnrollmentTest.enroll(g, "gw-001", gw, List.of(before)));
                Challenges ch = HubEnrollmentTest.challenge(g, List.of(across));
                pending = HubEnrollmentTest.prove("gw-001", gw.key(), ch, List.of(across), s -> s, null);
            }
        }
        try (HubFixture restarted = new HubFixture(data, EnrollmentSettings.defaults(), Clock.systemUTC());
                EnrollingGateway g = connect(restarted, gw)) {
            Results r = HubEnrollmentTest.submit(g, pending);
            HubEnrollmentTest.assertEnrolled(r);
            assertEquals(Reason.NONCE_REPLAYED, HubEnrollmentTest.single(HubEnrollmentTest.submit(g, pending)).reason(),
                    "a used challenge stays used across restarts");
            assertTrue(g.publish("d/across-1/telemetry", "{}") < 0x80);
            assertTrue(g.publish("d/before-1/telemetry", "{}") < 0x80, "enrolled before the restart, still enrolled");
        }
    }

    private static EnrollingGateway connect(HubFixture hub, TestCredential gw) throws Exception {
        hub.connect(gw, "gw-001").close(); // waits for the truststore like HubTest
        return EnrollingGateway.connect(hub.port, hub.serverCa(), gw, "gw-001");
    }
}
