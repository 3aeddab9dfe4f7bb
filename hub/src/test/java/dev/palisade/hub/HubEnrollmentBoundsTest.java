package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Wire;

/**
 * The hub's bound on enrollment work, against the running reference hub: one message in flight
 * per gateway, and at most {@code maxMessagesInFlight} for all gateways together (2 here); beyond
 * either, an {@code error} answer {@code UNAVAILABLE} with a retry hint, at once, and the next
 * message after the answer is served. Requests of 1,000 children keep the hub busy long enough
 * (hundreds of milliseconds of chain checks) for the next message to arrive while they run.
 */
class HubEnrollmentBoundsTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");
    private static final int BIG = 1000;

    @TempDir
    static Path tmp;
    static HubFixture hub;
    static TestCredential root;
    static final List<EnrollingGateway> gateways = new ArrayList<>();

    @BeforeAll
    static void startHub() throws Exception {
        hub = new HubFixture(tmp.resolve("hub"), EnrollmentSettings.defaults().withMaxMessagesInFlight(2), Clock.systemUTC());
        root = TestPki.rootCa("Plant-Root", YEAR);
        Path cer = tmp.resolve("root.cer");
        PkiFiles.writeCertificates(cer, List.of(root.certificate()));
        HubFixture.Result upload = hub.admin("ca", "upload", cer.toString());
        Matcher m = CODE.matcher(upload.out());
        assertTrue(m.find(), upload.toString());
        Path proof = tmp.resolve("proof.cer");
        PkiFiles.writeCertificates(proof, List.of(TestPki.verificationCertificate(root, m.group(1), Duration.ofDays(1)).certificate()));
        assertEquals(0, hub.admin("ca", "verify", "Plant-Root", proof.toString()).exit());
        hub.server.refreshTrust();
        for (int g = 1; g <= 3; g++) {
            String id = "gw-00" + g;
            assertEquals(0, hub.admin("device", "add", id, "--gateway", "--ca-chain").exit(), id);
            TestCredential credential = TestPki.leaf(root, id, TestPki.Kind.GATEWAY, YEAR);
            if (g == 1) {
                hub.connect(credential, id).close(); // waits until the broker's truststore has the CA
            }
            gateways.add(EnrollingGateway.connect(hub.port, hub.serverCa(), credential, id));
        }
    }

    @AfterAll
    static void stopHub() throws Exception {
        for (EnrollingGateway g : gateways) {
            g.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    /** A request for {@code n} fresh children (fresh: their chains were never checked, so the hub works on them). */
    private static byte[] request(String prefix, int n) throws Exception {
        List<EnrollRequest.ChildRequest> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Child c = new Child(TestPki.leaf(root, prefix + i, TestPki.Kind.DEVICE, YEAR), Mode.RELAY);
            children.add(new EnrollRequest.ChildRequest(c.id(), c.mode(), c.chain()));
        }
        return new EnrollRequest(children).toJson();
    }

    private static byte[] await(CompletableFuture<byte[]> answer) throws Exception {
        return answer.get(60, TimeUnit.SECONDS);
    }

    private static boolean isError(byte[] answer) throws Exception {
        return ErrorAnswer.typeOf(answer).equals(ErrorAnswer.TYPE);
    }

    @Test
    void aSecondMessageOfTheSameGatewayWhileTheFirstIsWorkedOnIsAnsweredUnavailable() throws Exception {
        EnrollingGateway gw = gateways.get(0);
        byte[] big = request("solo-", BIG);
        byte[] small = request("solo-small-", 1);
        CompletableFuture<byte[]> first = gw.requestAsync(Wire.TOPIC_REQUEST, big);
        CompletableFuture<byte[]> second = gw.requestAsync(Wire.TOPIC_REQUEST, small);
        ErrorAnswer busy = ErrorAnswer.parse(await(second));
        assertEquals(Reason.UNAVAILABLE, busy.reason(), busy.detail());
        assertTrue(busy.detail().contains("one enrollment message at a time per gateway") && busy.detail().contains("retry in"),
                busy.detail());
        assertEquals(BIG, Challenges.parse(await(first)).entries().size(), "the first is served in full");
        // after the answer, the next message is served
        assertEquals(1, Challenges.parse(gw.request(Wire.TOPIC_REQUEST, small)).entries().size());
    }

    @Test
    void beyondTheGlobalBoundAMessageIsAnsweredUnavailableWithARetryHint() throws Exception {
        List<byte[]> bigs = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            bigs.add(request("flood-" + g + "-", BIG));
        }
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int g = 0; g < 3; g++) {
            answers.add(gateways.get(g).requestAsync(Wire.TOPIC_REQUEST, bigs.get(g)));
        }
        int served = 0;
        int busy = 0;
        for (CompletableFuture<byte[]> a : answers) {
            byte[] answer = await(a);
            if (isError(answer)) {
                ErrorAnswer e = ErrorAnswer.parse(answer);
                assertEquals(Reason.UNAVAILABLE, e.reason(), e.detail());
                assertTrue(e.detail().contains("busy with 2 enrollment messages") && e.detail().contains("retry in"), e.detail());
                busy++;
            } else {
                assertEquals(BIG, Challenges.parse(answer).entries().size());
                served++;
            }
        }
        assertEquals(2, served, "two gateways within the bound are served");
        assertEquals(1, busy, "the third, beyond the bound, is told to retry");
        // the refused gateway retries and is served
        for (int g = 0; g < 3; g++) {
            byte[] again = gateways.get(g).request(Wire.TOPIC_REQUEST, request("retry-" + g + "-", 1));
            assertEquals(1, Challenges.parse(again).entries().size());
        }
    }
}
