package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * {@code run --allow-unenrolled-children}, the transition mode for gateways that do not enroll
 * their children yet: a child topic is delivered without enrollment, while a foreign gateway's
 * topics stay refused. Without the option the hub refuses it (HubEnrollmentTest).
 */
class HubUnenrolledChildrenTest {

    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");
    private static final Duration YEAR = Duration.ofDays(365);
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    Path tmp;

    @Test
    void theTransitionModeDeliversAChildTopicWithoutEnrollmentButNotAnotherGatewaysTopic() throws Exception {
        TestCredential root = TestPki.rootCa("Plant-Root", YEAR);
        TestCredential gateway = TestPki.leaf(root, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        try (HubFixture hub = new HubFixture(tmp.resolve("hub"), EnrollmentSettings.defaults().withUnenrolledChildren(true),
                Clock.systemUTC())) {
            Path ca = tmp.resolve("root.cer");
            PkiFiles.writeCertificates(ca, root.chain());
            HubFixture.Result upload = hub.admin("ca", "upload", ca.toString());
            Matcher code = CODE.matcher(upload.out());
            assertTrue(code.find(), upload.toString());
            Path proof = tmp.resolve("proof.cer");
            PkiFiles.writeCertificates(proof, TestPki.verificationCertificate(root, code.group(1), Duration.ofDays(1)).chain());
            assertEquals(0, hub.admin("ca", "verify", "Plant-Root", proof.toString()).exit());
            assertEquals(0, hub.admin("device", "add", "gw-001", "--gateway", "--ca-chain").exit());
            hub.server.refreshTrust();
            hub.connect(gateway, "gw-001").close();
            try (EnrollingGateway gw = EnrollingGateway.connect(hub.port, hub.serverCa(), gateway, "gw-001")) {
                assertTrue(gw.publish("d/pump-7/telemetry", "{}") < 0x80, "an unenrolled child's telemetry is delivered");
                assertEquals(NOT_AUTHORIZED, gw.publishAbsolute("palisade/v1/gw-002/d/pump-7/telemetry", "{}"),
                        "another gateway's topics stay refused");
            }
        }
    }
}
