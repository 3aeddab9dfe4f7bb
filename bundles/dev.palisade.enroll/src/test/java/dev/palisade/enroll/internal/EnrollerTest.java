package dev.palisade.enroll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.HubReason;
import dev.palisade.api.enroll.ProofMode;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.ChallengeClock;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.Unenroll;

/**
 * The gateway's enrollment decisions against a scripted hub that speaks the real protocol
 * messages: discovery, batching, refusals with the hub's reason, persistence across a restart,
 * re-enrollment on a new certificate, unenrollment after a removal, fail-closed hub id. The
 * signatures themselves are checked by the real hub in EnrollIT and by ProofRoundTest.
 */
class EnrollerTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final String HUB = "hub-1";
    private static final String GW = "gw-001";
    private static final TestCredential ROOT = TestPki.rootCa("Root", YEAR);
    private static final TestCredential GATEWAY = TestPki.leaf(ROOT, GW, TestPki.Kind.GATEWAY, YEAR);

    @TempDir
    Path dir;

    private Instant now = Instant.parse("2026-11-21T10:00:00Z");
    private String gatewayId = GW;
    private final Map<String, LeafDevice> devices = new ConcurrentHashMap<>();
    private final ScriptedHub hub = new ScriptedHub();
    private final List<ChildState> changes = new ArrayList<>();
    private static final String BUS_BUNDLE = "dev.palisade.bus.test";
    private final Set<String> activeBundles = new HashSet<>(Set.of(BUS_BUNDLE));

    /** Answers requests with challenges, proofs with results; refuses the children in {@code refuse}. */
    private final class ScriptedHub implements HubLink {
        final Set<String> refuse = new HashSet<>();
        final List<String> topics = new ArrayList<>();
        final List<Integer> batchSizes = new ArrayList<>();
        final List<List<String>> forgotten = new ArrayList<>();
        final List<EnrollRequest.ChildRequest> requested = new ArrayList<>();
        String hubId = HUB;
        LinkState state = LinkState.UP;
        private final ChallengeClock clock = new ChallengeClock(new SecureRandom(), Duration.ofSeconds(60));

        @Override
        public LinkState state() {
            return state;
        }

        @Override
        public CompletionStage<byte[]> request(String suffix, byte[] payload, Duration timeout) {
            topics.add(suffix);
            try {
                return CompletableFuture.completedFuture(switch (suffix) {
                    case "enroll/request" -> challenges(EnrollRequest.parse(payload));
                    case "enroll/proof" -> results(ProofBatch.parse(payload));
                    case "enroll/remove" -> forget(Unenroll.parse(payload));
                    default -> new ErrorAnswer(Reason.MALFORMED, "unknown topic").toJson();
                });
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        private byte[] challenges(EnrollRequest request) {
            batchSizes.add(request.children().size());
            requested.addAll(request.children());
            List<Challenges.Entry> entries = new ArrayList<>();
            for (EnrollRequest.ChildRequest c : request.children()) {
                entries.add(refuse.contains(c.child()) ? Challenges.Entry.refusal(c.child(), Reason.CA_NOT_VERIFIED, "verify the CA first")
                        : Challenges.Entry.challenge(c.child(), clock.enrollmentId(), clock.nonce(), clock.expiry(Instant.now())));
            }
            return new Challenges(hubId, GW, entries).toJson();
        }

        private byte[] results(ProofBatch batch) {
            return new Results(batch.proofs().stream().map(p -> Results.Entry.ok(p.child(), Results.Status.ENROLLED)).toList()).toJson();
        }

        private byte[] forget(Unenroll request) {
            forgotten.add(request.children());
            return new Results(request.children().stream().map(c -> Results.Entry.ok(c, Results.Status.UNENROLLED)).toList()).toJson();
        }
    }

    private final Enroller.Environment env = new Enroller.Environment() {
        @Override
        public HubLink link() {
            return hub;
        }

        @Override
        public Signer gatewaySigner() {
            return signer(GATEWAY);
        }

        @Override
        public String gatewayId() {
            return gatewayId;
        }

        @Override
        public Map<String, LeafDevice> devices() {
            return devices;
        }

        @Override
        public Signer custodialSigner(String child) {
            return null;
        }

        @Override
        public String owner(String child) {
            return devices.containsKey(child) ? BUS_BUNDLE : "";
        }

        @Override
        public boolean bundleActive(String symbolicName) {
            return activeBundles.contains(symbolicName);
        }
    };

    private Enroller enroller(String hubId) {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        Settings settings = new Settings(hubId, 10, Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(120),
                Duration.ofHours(24));
        Enroller e = new Enroller(settings, env, new StateFile(dir.resolve("children.properties")), clock, (a, b) -> changes.add(b));
        e.load();
        return e;
    }

    @Test
    void relayChildrenAreEnrolledInBatchesAndSurviveARestart() throws Exception {
        for (int i = 0; i < 25; i++) {
            addRelayDevice("dev-" + i, TestPki.leaf(ROOT, "dev-" + i, TestPki.Kind.DEVICE, YEAR));
        }
        Enroller e = enroller(HUB);
        e.cycle();
        assertEquals(List.of(10, 10, 5), hub.batchSizes, "25 children in batches of 10");
        assertEquals(25, e.states().stream().filter(s -> s.status() == EnrollmentStatus.ENROLLED).count(), String.valueOf(e.states()));
        assertEquals(ProofMode.RELAY, e.state("dev-3").orElseThrow().mode());
        assertTrue(e.enrolled("dev-3"));

        Enroller restarted = enroller(HUB);
        assertEquals(EnrollmentStatus.ENROLLED, restarted.state("dev-3").orElseThrow().status(), "state reloaded from the file");
        hub.topics.clear();
        restarted.cycle();
        assertEquals(List.of(), hub.topics, "enrolled children are not enrolled again after a restart");
    }

    @Test
    void aRefusalKeepsTheHubsReasonAndAnotherHubIdIsRefusedWhole() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        addRelayDevice("dev-b", TestPki.leaf(ROOT, "dev-b", TestPki.Kind.DEVICE, YEAR));
        hub.refuse.add("dev-b");
        Enroller e = enroller(HUB);
        e.cycle();
        ChildState b = e.state("dev-b").orElseThrow();
        assertEquals(EnrollmentStatus.REFUSED, b.status());
        assertEquals(HubReason.CA_NOT_VERIFIED, b.hubReason());
        assertTrue(b.detail().contains("verify the CA first"), b.detail());
        assertFalse(e.enrolled("dev-b"));

        addRelayDevice("dev-c", TestPki.leaf(ROOT, "dev-c", TestPki.Kind.DEVICE, YEAR));
        hub.hubId = "impostor-hub";
        e.cycle();
        ChildState c = e.state("dev-c").orElseThrow();
        assertEquals(EnrollmentStatus.PENDING, c.status());
        assertTrue(c.detail().contains("impostor-hub"), c.detail());
        assertEquals(1, hub.topics.stream().filter("enroll/proof"::equals).count(), "one proof (for dev-a), none to another hub");
    }

    @Test
    void statesReachedWithAnotherHubOrAsAnotherGatewayAreEnrolledAgain() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        enroller(HUB).cycle();
        assertEquals(1, hub.batchSizes.size());

        Enroller sameIds = enroller(HUB);
        sameIds.cycle();
        assertEquals(1, hub.batchSizes.size(), "same hub, same gateway: nothing enrolled again");

        hub.hubId = "hub-2";
        Enroller otherHub = enroller("hub-2");
        assertEquals(EnrollmentStatus.ENROLLED, otherHub.state("dev-a").orElseThrow().status(), "as loaded, before the check");
        otherHub.cycle();
        assertEquals(2, hub.batchSizes.size(), "enrolled again with the new hub");
        assertEquals(EnrollmentStatus.ENROLLED, otherHub.state("dev-a").orElseThrow().status());

        gatewayId = "gw-002";
        Enroller otherGateway = enroller("hub-2");
        hub.state = LinkState.DOWN;
        otherGateway.cycle();
        ChildState a = otherGateway.state("dev-a").orElseThrow();
        assertEquals(EnrollmentStatus.PENDING, a.status());
        StateFile.Saved saved = new StateFile(dir.resolve("children.properties")).load();
        assertEquals(List.of("hub-2", "gw-002", EnrollmentStatus.PENDING),
                List.of(saved.hubId(), saved.gatewayId(), saved.children().get(0).status), "the file records the new ids");
        assertFalse(otherGateway.enrolled("dev-a"), "no telemetry under the old gateway's enrollment");
    }

    @Test
    void withoutAHubIdNothingIsEnrolled() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        Enroller e = enroller("");
        e.cycle();
        assertEquals(List.of(), hub.topics);
        assertEquals(EnrollmentStatus.PENDING, e.state("dev-a").orElseThrow().status());
        assertTrue(e.problem().contains("hub.id"), e.problem());
    }

    @Test
    void aNewCertificateIsEnrolledAgainAndARemovedDeviceIsUnenrolledAfterTheGrace() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        Enroller e = enroller(HUB);
        e.cycle();
        assertTrue(e.enrolled("dev-a"));

        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        hub.topics.clear();
        e.cycle();
        assertEquals(List.of("enroll/request", "enroll/proof"), hub.topics, "re-enrolled with the new certificate");
        assertTrue(e.enrolled("dev-a"));

        devices.remove("dev-a");
        e.deviceGone("dev-a", false);
        e.cycle();
        assertTrue(e.enrolled("dev-a"), "still enrolled within the removal grace");
        now = now.plusSeconds(31);
        e.cycle();
        ChildState gone = e.state("dev-a").orElseThrow();
        assertEquals(EnrollmentStatus.UNENROLLED, gone.status());
        assertEquals(List.of(List.of("dev-a")), hub.forgotten);
        assertTrue(gone.detail().contains("hub confirmed"), gone.detail());
        assertFalse(e.enrolled("dev-a"));
    }

    @Test
    void aDeviceWhoseBusStoppedStaysEnrolled() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        Enroller e = enroller(HUB);
        e.cycle();
        devices.remove("dev-a");
        e.deviceGone("dev-a", true);
        now = now.plusSeconds(3600);
        e.cycle();
        assertTrue(e.enrolled("dev-a"), "a bus stopping or updated removes nothing");
        assertEquals(List.of(), hub.forgotten);
    }

    @Test
    void aDeviceRemovedWhileTheGatewayWasDownIsUnenrolledAfterTheSettleTimeOnlyIfItsBusRuns() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        addRelayDevice("dev-b", TestPki.leaf(ROOT, "dev-b", TestPki.Kind.DEVICE, YEAR));
        enroller(HUB).cycle();

        // The gateway restarts; dev-a was removed from the configuration meanwhile; dev-b comes back late.
        devices.clear();
        activeBundles.clear();
        Enroller restarted = enroller(HUB);
        restarted.cycle();
        now = now.plusSeconds(121);
        restarted.cycle();
        assertTrue(restarted.enrolled("dev-a"), "its bus bundle is not active: nothing is decided");
        assertEquals(List.of(), hub.forgotten);

        activeBundles.add(BUS_BUNDLE);
        addRelayDevice("dev-b", TestPki.leaf(ROOT, "dev-b", TestPki.Kind.DEVICE, YEAR));
        restarted.cycle();
        ChildState a = restarted.state("dev-a").orElseThrow();
        assertEquals(EnrollmentStatus.UNENROLLED, a.status());
        assertTrue(a.detail().contains("hub confirmed"), a.detail());
        assertTrue(changes.stream().anyMatch(c -> c.childId().equals("dev-a") && c.status() == EnrollmentStatus.UNENROLLED
                && c.detail().contains("did not reappear within 120 s")), "the reason was shown: " + changes);
        assertEquals(List.of(List.of("dev-a")), hub.forgotten);
        assertTrue(restarted.enrolled("dev-b"), "a device back after a restart stays enrolled");
    }

    @Test
    void withinTheSettleTimeAMissingDeviceStaysEnrolled() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        enroller(HUB).cycle();
        devices.clear();
        Enroller restarted = enroller(HUB);
        now = now.plusSeconds(119);
        restarted.cycle();
        assertTrue(restarted.enrolled("dev-a"));
        assertEquals(List.of(), hub.forgotten);
    }

    @Test
    void aCustodialChildWithoutAKeyStaysPendingAndSaysWhy() throws Exception {
        devices.put("plc-1", new Device("plc-1", null, null));
        Enroller e = enroller(HUB);
        e.cycle();
        ChildState s = e.state("plc-1").orElseThrow();
        assertEquals(EnrollmentStatus.PENDING, s.status());
        assertEquals(ProofMode.CUSTODIAL, s.mode());
        assertTrue(s.detail().contains("no key for this child"), s.detail());
        assertEquals(List.of(), hub.topics, "nothing to ask the hub for");
    }

    @Test
    void anAttestationOfAHandshakeTheHubWouldFindTooOldIsNeverSent() throws Exception {
        TestCredential plc = TestPki.leaf(ROOT, "plc-1", TestPki.Kind.DEVICE, YEAR);
        Instant handshake = now;
        devices.put("plc-1", new Device("plc-1", new PeerIdentity(plc.chain(), "plc-1", "plant-a", handshake, new byte[0]), null));
        now = handshake.plus(Duration.ofHours(24)).minus(Settings.ATTEST_MARGIN).plusSeconds(1);
        Enroller e = enroller(HUB);
        e.cycle();
        ChildState s = e.state("plc-1").orElseThrow();
        assertEquals(ProofMode.ATTEST, s.mode());
        assertEquals(EnrollmentStatus.PENDING, s.status());
        assertTrue(s.detail().contains("waiting for the device to reconnect with a fresh handshake"), s.detail());
        assertEquals(List.of(), hub.topics, "no request, no proof with a stale attestation");

        devices.put("plc-1", new Device("plc-1", new PeerIdentity(plc.chain(), "plc-1", "plant-a", now, new byte[0]), null));
        now = now.plus(Duration.ofMinutes(10));
        e.cycle();
        assertEquals(EnrollmentStatus.ENROLLED, e.state("plc-1").orElseThrow().status(), "after the reconnection");
    }

    @Test
    void telemetryFlowsOnlyWhileTheDevicePresentsTheEnrolledCertificate() throws Exception {
        TestCredential first = TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR);
        addRelayDevice("dev-a", first);
        Enroller e = enroller(HUB);
        e.cycle();
        assertTrue(e.enrolled("dev-a"));

        // Reconnected with another certificate: closed at once, before any cycle notices the change.
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        assertEquals(EnrollmentStatus.ENROLLED, e.state("dev-a").orElseThrow().status(), "no cycle yet");
        assertFalse(e.enrolled("dev-a"), "the old enrollment does not cover the new certificate");

        // Registered but no handshake accepted yet: held, not sent under an unproven identity.
        addRelayDevice("dev-a", first);
        assertTrue(e.enrolled("dev-a"));
        devices.put("dev-a", new Device("dev-a", null, null));
        assertFalse(e.enrolled("dev-a"));
        devices.remove("dev-a");
        assertTrue(e.enrolled("dev-a"), "no device service (a bus update): the enrolled status decides");
    }

    @Test
    void theChainSentIsTheOneTheChildProvedEvenIfTheDeviceReconnectsMeanwhile() throws Exception {
        TestCredential a = TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR);
        TestCredential b = TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR);
        List<byte[]> signed = new ArrayList<>();
        ChildSigner signer = message -> {
            signed.add(message);
            return CompletableFuture.completedFuture(new SignatureValue("SHA256withECDSA", raw(a, message), a.certificate()));
        };
        // Every read of the identity alternates between two certificates: a reconnection between any two reads.
        PeerIdentity[] peers = {new PeerIdentity(a.chain(), "dev-a", "plant-a", now, new byte[0]),
                new PeerIdentity(b.chain(), "dev-a", "plant-a", now, new byte[0])};
        int[] reads = {0};
        LeafDevice base = new Device("dev-a", null, signer);
        devices.put("dev-a", (LeafDevice) java.lang.reflect.Proxy.newProxyInstance(LeafDevice.class.getClassLoader(),
                new Class<?>[] {LeafDevice.class}, (proxy, method, args) -> method.getName().equals("identity")
                        ? Optional.of(peers[reads[0]++ % 2]) : method.invoke(base, args)));
        enroller(HUB).cycle();
        assertEquals(1, hub.requested.size());
        assertEquals(1, signed.size());
        byte[] requestedLeaf = hub.requested.get(0).chain().get(0);
        assertTrue(contains(signed.get(0), dev.palisade.protocol.enroll.SignedBytes.sha256(requestedLeaf)), "the child signed a statement over another leaf than the request's");
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void aDownLinkIsWaitedForWithoutCountingAFailure() throws Exception {
        addRelayDevice("dev-a", TestPki.leaf(ROOT, "dev-a", TestPki.Kind.DEVICE, YEAR));
        hub.state = LinkState.CONNECTING;
        Enroller e = enroller(HUB);
        e.cycle();
        ChildState s = e.state("dev-a").orElseThrow();
        assertEquals(EnrollmentStatus.PENDING, s.status());
        assertTrue(s.detail().contains("waiting for the hub link"), s.detail());
        assertNull(e.lastAttempt("dev-a"));
    }

    private void addRelayDevice(String id, TestCredential device) {
        ChildSigner signer = message -> CompletableFuture.completedFuture(new SignatureValue("SHA256withECDSA",
                raw(device, message), device.certificate()));
        devices.put(id, new Device(id, new PeerIdentity(device.chain(), id, "plant-a", now, new byte[0]), signer));
    }

    private static byte[] raw(TestCredential who, byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(who.key());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Signer signer(TestCredential who) {
        return new Signer() {
            @Override
            public SignatureValue sign(byte[] data) {
                return new SignatureValue("SHA256withECDSA", raw(who, data), who.certificate());
            }

            @Override
            public String algorithm() {
                return "SHA256withECDSA";
            }

            @Override
            public PublicKey publicKey() {
                return who.certificate().getPublicKey();
            }

            @Override
            public List<X509Certificate> chain() {
                return who.chain();
            }
        };
    }

    private record Device(String id, PeerIdentity peer, ChildSigner childSigner) implements LeafDevice {
        @Override
        public String bus() {
            return "test";
        }

        @Override
        public String address() {
            return "memory";
        }

        @Override
        public List<Channel> channels() {
            return List.of();
        }

        @Override
        public DeviceStatus status() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<PeerIdentity> identity() {
            return Optional.ofNullable(peer);
        }

        @Override
        public Optional<ChildSigner> signer() {
            return Optional.ofNullable(childSigner);
        }

        @Override
        public List<Reading> latest() {
            return List.of();
        }

        @Override
        public CompletionStage<Reading> read(String channel) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Reading> write(String channel, Object value) {
            throw new UnsupportedOperationException();
        }
    }
}
