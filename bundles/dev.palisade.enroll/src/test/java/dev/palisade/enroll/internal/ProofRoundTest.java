package dev.palisade.enroll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.ChallengeClock;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.ProofVerifier;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.SignedBytes;

/** The gateway's proof round with keys in software: what it sends verifies as the hub checks it. */
class ProofRoundTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final String HUB = "hub-1";
    private static final String GW = "gw-001";

    private final TestCredential root = TestPki.rootCa("Root", YEAR);
    private final TestCredential gateway = TestPki.leaf(root, GW, TestPki.Kind.GATEWAY, YEAR);
    private final ChallengeClock clock = new ChallengeClock(new SecureRandom(), Duration.ofSeconds(60));
    private int signatures;

    /** A software stand-in for the token: counts its signatures. */
    private Signer signer(TestCredential who) {
        return new Signer() {
            @Override
            public SignatureValue sign(byte[] data) throws IdentityException {
                signatures++;
                return new SignatureValue("SHA256withECDSA", raw(who, "SHA256withECDSA", data), who.certificate());
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

    private static byte[] raw(TestCredential who, String algorithm, byte[] data) {
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(who.key());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private ChildSigner deviceSigner(TestCredential device, String algorithm) {
        return message -> CompletableFuture.completedFuture(new SignatureValue(algorithm, raw(device, algorithm, message),
                device.certificate()));
    }

    private Challenges.Entry challengeFor(String child) {
        return Challenges.Entry.challenge(child, clock.enrollmentId(), clock.nonce(), clock.expiry(Instant.now()));
    }

    @Test
    void aBatchOfEveryModeIsSignedOnceAndVerifiesAsTheHubChecksIt() throws Exception {
        List<ChildProver> provers = new ArrayList<>();
        List<TestCredential> devices = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            TestCredential d = TestPki.leaf(root, "dev-" + i, TestPki.Kind.DEVICE, YEAR);
            devices.add(d);
            provers.add(switch (i % 3) {
                case 0 -> new ChildProver.Relay(d.commonName(), d.chain(), deviceSigner(d, "SHA256withECDSA"));
                case 1 -> new ChildProver.Attest(d.commonName(), new PeerIdentity(d.chain(), d.commonName(), "plant-a",
                        Instant.now(), new byte[32]));
                default -> new ChildProver.Custodial(d.commonName(), d.chain(), signer(d));
            });
        }
        List<Challenges.Entry> entries = new ArrayList<>();
        provers.forEach(p -> entries.add(challengeFor(p.child())));
        entries.set(4, Challenges.Entry.refusal("dev-4", Reason.CA_NOT_VERIFIED, "pending"));
        Challenges ch = new Challenges(HUB, GW, entries);
        int before = signatures;
        ProofRound.Outcome out = ProofRound.run(HUB, GW, ch, provers, signer(gateway), Duration.ofSeconds(5));
        // custodial children sign on the token too; the gateway's countersignature is one for the batch
        assertEquals(10 + 1, signatures - before);
        assertEquals(List.of("dev-4"), List.copyOf(out.refusedByHub().keySet()));
        assertTrue(out.failedLocally().isEmpty(), String.valueOf(out.failedLocally()));
        ProofBatch batch = out.batch();
        assertEquals(29, batch.proofs().size());
        assertTrue(ProofVerifier.gatewaySignatureValid(batch, gateway.certificate().getPublicKey()));
        for (int i = 0; i < batch.proofs().size(); i++) {
            ProofBatch.ChildProof p = batch.proofs().get(i);
            int index = Integer.parseInt(p.child().substring(4));
            Challenges.Entry e = entries.get(index);
            TestCredential d = devices.get(index);
            assertEquals(Optional.empty(), ProofVerifier.check(batch, i, new SignedBytes.Binding(HUB, GW, e.nonce(),
                    d.certificate().getEncoded()), provers.get(index).mode(), d.certificate().getPublicKey()), p.child());
        }
        assertEquals(Mode.ATTEST, batch.proofs().get(1).mode());
        assertEquals("tls-exporter", batch.proofs().get(1).attestation().bindingType());
    }

    @Test
    void aChildThatCannotSignStaysOutAndTheOthersGoOn() throws Exception {
        TestCredential ok = TestPki.leaf(root, "ok-1", TestPki.Kind.DEVICE, YEAR);
        TestCredential offline = TestPki.leaf(root, "off-1", TestPki.Kind.DEVICE, YEAR);
        TestCredential wrongAlg = TestPki.leaf(root, "alg-1", TestPki.Kind.DEVICE, YEAR);
        TestCredential silent = TestPki.leaf(root, "silent-1", TestPki.Kind.DEVICE, YEAR);
        List<ChildProver> provers = List.of(
                new ChildProver.Relay("ok-1", ok.chain(), deviceSigner(ok, "SHA256withECDSA")),
                new ChildProver.Relay("off-1", offline.chain(), m -> CompletableFuture.failedFuture(
                        new DeviceException(DeviceException.Reason.OFFLINE, "device off-1 is offline"))),
                new ChildProver.Relay("alg-1", wrongAlg.chain(), deviceSigner(wrongAlg, "SHA512withECDSA")),
                new ChildProver.Relay("silent-1", silent.chain(), m -> new CompletableFuture<>()));
        Challenges ch = new Challenges(HUB, GW, provers.stream().map(p -> challengeFor(p.child())).toList());
        ProofRound.Outcome out = ProofRound.run(HUB, GW, ch, provers, signer(gateway), Duration.ofMillis(300));
        assertEquals(1, out.batch().proofs().size());
        assertEquals("ok-1", out.batch().proofs().get(0).child());
        assertTrue(out.failedLocally().get("off-1").contains("offline"), String.valueOf(out.failedLocally()));
        assertTrue(out.failedLocally().get("alg-1").contains("requires SHA256withECDSA"), String.valueOf(out.failedLocally()));
        assertTrue(out.failedLocally().get("silent-1").contains("did not sign within"), String.valueOf(out.failedLocally()));
    }

    @Test
    void anAnswerThatDoesNotFitTheRequestIsRefusedWhole() throws Exception {
        TestCredential d = TestPki.leaf(root, "dev-1", TestPki.Kind.DEVICE, YEAR);
        List<ChildProver> provers = List.of(new ChildProver.Custodial("dev-1", d.chain(), signer(d)));
        Challenges otherHub = new Challenges("hub-evil", GW, List.of(challengeFor("dev-1")));
        assertTrue(assertThrows(ProofRound.ChallengeMismatch.class, () -> ProofRound.run(HUB, GW, otherHub, provers,
                signer(gateway), Duration.ofSeconds(1))).getMessage().contains("configured for hub 'hub-1'"));
        Challenges otherChild = new Challenges(HUB, GW, List.of(challengeFor("dev-2")));
        assertThrows(ProofRound.ChallengeMismatch.class, () -> ProofRound.run(HUB, GW, otherChild, provers, signer(gateway),
                Duration.ofSeconds(1)));
        Challenges allRefused = new Challenges(HUB, GW, List.of(Challenges.Entry.refusal("dev-1", Reason.UNKNOWN_CA, "?")));
        assertNull(ProofRound.run(HUB, GW, allRefused, provers, signer(gateway), Duration.ofSeconds(1)).batch());
    }

    @Test
    void custodialChildrenWhoseChallengeWouldExpireBeforeTheSlowTokenSignsAreNotSignedFor() throws Exception {
        Instant[] now = {Instant.now()};
        java.time.Clock ticking = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        List<ChildProver> provers = new ArrayList<>();
        List<Challenges.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            TestCredential d = TestPki.leaf(root, "meter-" + i, TestPki.Kind.DEVICE, YEAR);
            Signer slowToken = signer(d);
            provers.add(new ChildProver.Custodial("meter-" + i, d.chain(), new Signer() {
                @Override
                public SignatureValue sign(byte[] data) throws IdentityException {
                    now[0] = now[0].plusSeconds(10); // a slow token: 10 s per signature
                    return slowToken.sign(data);
                }

                @Override
                public String algorithm() {
                    return slowToken.algorithm();
                }

                @Override
                public PublicKey publicKey() {
                    return slowToken.publicKey();
                }

                @Override
                public List<X509Certificate> chain() {
                    return slowToken.chain();
                }
            }));
            entries.add(Challenges.Entry.challenge("meter-" + i, clock.enrollmentId(), clock.nonce(), clock.expiry(now[0])));
        }
        signatures = 0;
        ProofRound.Outcome out = ProofRound.run(HUB, GW, new Challenges(HUB, GW, entries), provers, signer(gateway),
                Duration.ofSeconds(5), ticking);
        assertTrue(out.outOfTime());
        // 60 s lifetime, 5 s margin: signatures at +10..+50 s fit, the sixth would end at +60 s.
        assertEquals(5, out.batch().proofs().size(), String.valueOf(out.failedLocally()));
        assertEquals(5, out.failedLocally().size());
        assertTrue(out.failedLocally().get("meter-9").contains("would expire before this proof reached it"));
        assertEquals(6, signatures, "5 children and the batch: no token signature spent on an expired challenge");

        HubRounds rounds = new HubRounds(new Settings(HUB, 1000, Duration.ofSeconds(2), Duration.ofSeconds(60),
                Duration.ofHours(1), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(120),
                Duration.ofHours(24)), null);
        rounds.adjustBudget(out, 10);
        assertEquals(5, rounds.custodialBudget(), "the next batches carry half as many custodial children");
        List<ChildRecord> due = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            due.add(new ChildRecord("m-" + i, i < 11 ? dev.palisade.api.enroll.ProofMode.CUSTODIAL
                    : dev.palisade.api.enroll.ProofMode.RELAY, Instant.now()));
        }
        assertEquals(List.of(5, 5, 2), rounds.batches(due).stream().map(List::size).toList());
    }
}
