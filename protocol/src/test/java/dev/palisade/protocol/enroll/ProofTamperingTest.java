package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A batch of three proofs, one per mode and one per key type, that verifies; then every field
 * of what is signed changed in turn, each of which must make the hub refuse.
 */
class ProofTamperingTest {

    private static final String HUB = "hub-1";
    private static final String GW = "gw-001";

    private final KeyPair gateway = TestKeys.ec("secp256r1");
    private final KeyPair relayChild = TestKeys.ec("secp384r1");
    private final KeyPair custodialChild = TestKeys.rsa(2048);
    private final ChallengeClock clock = new ChallengeClock(new java.security.SecureRandom(), ChallengeClock.DEFAULT_LIFETIME);

    /** What the hub recorded per challenge, and the key in the child's leaf. */
    private record Issued(String child, Mode mode, byte[] enrollment, SignedBytes.Binding binding, PublicKey key) {
    }

    private final List<Issued> issued = List.of(
            issue("pump-7", Mode.RELAY, relayChild.getPublic(), "leaf of pump-7"),
            issue("plc-1", Mode.ATTEST, null, "leaf of plc-1"),
            issue("meter-2", Mode.CUSTODIAL, custodialChild.getPublic(), "leaf of meter-2"));

    private Issued issue(String child, Mode mode, PublicKey key, String leaf) {
        return new Issued(child, mode, clock.enrollmentId(),
                new SignedBytes.Binding(HUB, GW, clock.nonce(), leaf.getBytes(StandardCharsets.UTF_8)), key);
    }

    private static final ProofBatch.Attestation ATTESTATION = new ProofBatch.Attestation(
            Instant.parse("2026-11-21T20:31:19.123Z"), "plant-a", "tls-exporter", new byte[] {1, 2, 3, 4});

    /** The gateway's side, with a hook to change a child statement's input before the child signs. */
    private ProofBatch build(UnaryOperator<byte[]> statementTamper) {
        BatchAssembler a = new BatchAssembler(HUB, GW);
        for (Issued i : issued) {
            SignedBytes.Binding b = i.binding();
            switch (i.mode()) {
                case RELAY -> a.add(b, ProofBatch.ChildProof.signed(i.enrollment(), i.child(), Mode.RELAY, Signatures.ES384,
                        TestKeys.sign(relayChild.getPrivate(), Signatures.ES384, statementTamper.apply(
                                SignedBytes.childStatement(Mode.RELAY, HUB, GW, i.child(), i.enrollment(), b.nonce(), b.leafDer())))));
                case CUSTODIAL -> a.add(b, ProofBatch.ChildProof.signed(i.enrollment(), i.child(), Mode.CUSTODIAL, Signatures.RS256,
                        TestKeys.sign(custodialChild.getPrivate(), Signatures.RS256, statementTamper.apply(
                                SignedBytes.childStatement(Mode.CUSTODIAL, HUB, GW, i.child(), i.enrollment(), b.nonce(), b.leafDer())))));
                case ATTEST -> a.add(b, ProofBatch.ChildProof.attested(i.enrollment(), i.child(), ATTESTATION));
            }
        }
        byte[] statement = a.statement();
        return a.assemble(Signatures.ES256, TestKeys.sign(gateway.getPrivate(), Signatures.ES256, statement));
    }

    /** The hub's side: the gateway's signature, then each proof; the first refusal per child. */
    private List<Optional<Reason>> verify(ProofBatch batch, List<Issued> recorded) {
        List<Optional<Reason>> out = new ArrayList<>();
        boolean gatewayOk = ProofVerifier.gatewaySignatureValid(batch, gateway.getPublic());
        for (int i = 0; i < batch.proofs().size(); i++) {
            Issued r = recorded.get(i);
            out.add(gatewayOk ? ProofVerifier.check(batch, i, r.binding(), r.mode(), r.key()) : Optional.of(Reason.BAD_GATEWAY_SIGNATURE));
        }
        return out;
    }

    private static final List<Optional<Reason>> ALL_OK = List.of(Optional.empty(), Optional.empty(), Optional.empty());

    @Test
    void anUntouchedBatchVerifiesAndSurvivesTheWire() throws ProtocolException {
        ProofBatch batch = build(s -> s);
        assertEquals(ALL_OK, verify(batch, issued));
        assertEquals(ALL_OK, verify(ProofBatch.parse(batch.toJson()), issued));
    }

    @Test
    void aChildStatementSignedOverAnythingElseIsABadSignature() {
        // one flipped bit anywhere in the statement: label, mode, hub, gateway, child, enrollment, nonce, leaf hash
        byte[] statement = SignedBytes.childStatement(Mode.RELAY, HUB, GW, "pump-7", issued.get(0).enrollment(),
                issued.get(0).binding().nonce(), issued.get(0).binding().leafDer());
        for (int bit = 0; bit < statement.length * 8; bit += 7) {
            int flip = bit;
            List<Optional<Reason>> r = verify(build(s -> {
                byte[] t = s.clone();
                t[flip / 8] ^= (byte) (1 << (flip % 8));
                return t;
            }), issued);
            assertEquals(Optional.of(Reason.BAD_SIGNATURE), r.get(0), "bit " + flip);
            assertEquals(Optional.of(Reason.BAD_SIGNATURE), r.get(2), "bit " + flip);
            assertEquals(Optional.empty(), r.get(1));
        }
    }

    @Test
    void everyFieldTheHubRecordedBindsTheProof() {
        ProofBatch batch = build(s -> s);
        // what the hub compares each proof against: change one recorded value at a time
        for (int i = 0; i < issued.size(); i++) {
            Issued r = issued.get(i);
            SignedBytes.Binding b = r.binding();
            byte[] otherNonce = b.nonce();
            otherNonce[0] ^= 1;
            byte[] otherLeaf = (new String(b.leafDer(), StandardCharsets.UTF_8) + "!").getBytes(StandardCharsets.UTF_8);
            List<SignedBytes.Binding> variants = List.of(
                    new SignedBytes.Binding("hub-2", GW, b.nonce(), b.leafDer()),
                    new SignedBytes.Binding(HUB, "gw-002", b.nonce(), b.leafDer()),
                    new SignedBytes.Binding(HUB, GW, otherNonce, b.leafDer()),
                    new SignedBytes.Binding(HUB, GW, b.nonce(), otherLeaf));
            for (SignedBytes.Binding v : variants) {
                List<Issued> recorded = new ArrayList<>(issued);
                recorded.set(i, new Issued(r.child(), r.mode(), r.enrollment(), v, r.key()));
                assertEquals(Optional.of(Reason.BAD_GATEWAY_SIGNATURE), verify(batch, recorded).get(i),
                        r.child() + " verified against " + v.hub() + "/" + v.gateway());
            }
            // the mode the request named
            List<Issued> recorded = new ArrayList<>(issued);
            Mode other = r.mode() == Mode.RELAY ? Mode.CUSTODIAL : Mode.RELAY;
            recorded.set(i, new Issued(r.child(), other, r.enrollment(), b, r.key()));
            assertEquals(Optional.of(Reason.MODE_NOT_ALLOWED), verify(batch, recorded).get(i));
        }
        // a child signature checked with another key (the leaf the hub holds is another device's)
        List<Issued> recorded = new ArrayList<>(issued);
        Issued r = issued.get(0);
        recorded.set(0, new Issued(r.child(), r.mode(), r.enrollment(), r.binding(), TestKeys.ec("secp384r1").getPublic()));
        assertEquals(Optional.of(Reason.BAD_SIGNATURE), verify(batch, recorded).get(0));
    }

    @Test
    void everyFieldOfTheMessageIsCoveredByTheGatewaySignature() {
        ProofBatch good = build(s -> s);
        List<ProofBatch> tampered = new ArrayList<>();
        List<String> what = new ArrayList<>();
        ProofBatch.ChildProof relay = good.proofs().get(0);
        ProofBatch.ChildProof attest = good.proofs().get(1);
        ProofBatch.ChildProof custodial = good.proofs().get(2);

        byte[] root = good.root();
        root[5] ^= 1;
        add(tampered, what, "root", new ProofBatch(HUB, GW, good.algorithm(), root, good.signature(), good.proofs()));
        byte[] sig = good.signature();
        sig[sig.length - 1] ^= 1;
        add(tampered, what, "gateway signature", new ProofBatch(HUB, GW, good.algorithm(), good.root(), sig, good.proofs()));
        add(tampered, what, "gateway algorithm", new ProofBatch(HUB, GW, Signatures.ES384, good.root(), good.signature(), good.proofs()));
        add(tampered, what, "hub id", new ProofBatch("hub-2", GW, good.algorithm(), good.root(), good.signature(), good.proofs()));
        add(tampered, what, "gateway id", new ProofBatch(HUB, "gw-002", good.algorithm(), good.root(), good.signature(), good.proofs()));
        add(tampered, what, "a proof dropped (count)", new ProofBatch(HUB, GW, good.algorithm(), good.root(), good.signature(),
                good.proofs().subList(0, 2)));
        for (ProofBatch b : tampered) {
            String label = what.get(tampered.indexOf(b));
            for (Optional<Reason> r : verify(b, issued)) {
                assertEquals(Optional.of(Reason.BAD_GATEWAY_SIGNATURE), r, label);
            }
        }

        // per-proof fields: the gateway signature holds, but the proof no longer leads to the root
        byte[] enrollment = relay.enrollment();
        enrollment[0] ^= 1;
        assertRefused(good, 0, new ProofBatch.ChildProof(enrollment, relay.child(), relay.mode(), relay.algorithm(),
                relay.signature(), null, relay.path()), "enrollment id");
        assertRefused(good, 0, new ProofBatch.ChildProof(relay.enrollment(), "pump-8", relay.mode(), relay.algorithm(),
                relay.signature(), null, relay.path()), "child id");
        byte[] childSig = relay.signature();
        childSig[10] ^= 1;
        assertRefused(good, 0, new ProofBatch.ChildProof(relay.enrollment(), relay.child(), relay.mode(), relay.algorithm(),
                childSig, null, relay.path()), "child signature");
        assertRefused(good, 0, new ProofBatch.ChildProof(relay.enrollment(), relay.child(), relay.mode(), Signatures.ES256,
                relay.signature(), null, relay.path()), "child algorithm");
        assertRefused(good, 2, new ProofBatch.ChildProof(custodial.enrollment(), custodial.child(), Mode.RELAY,
                custodial.algorithm(), custodial.signature(), null, custodial.path()), "mode custodial → relay");
        List<byte[]> path = new ArrayList<>(relay.path());
        byte[] p0 = path.get(0);
        p0[0] ^= 1;
        path.set(0, p0);
        assertRefused(good, 0, new ProofBatch.ChildProof(relay.enrollment(), relay.child(), relay.mode(), relay.algorithm(),
                relay.signature(), null, path), "inclusion path");
        ProofBatch.Attestation a = attest.attestation();
        for (ProofBatch.Attestation changed : List.of(
                new ProofBatch.Attestation(a.verifiedAt().plusMillis(1), a.trustDomain(), a.bindingType(), a.binding()),
                new ProofBatch.Attestation(a.verifiedAt(), "plant-b", a.bindingType(), a.binding()),
                new ProofBatch.Attestation(a.verifiedAt(), a.trustDomain(), "none", a.binding()),
                new ProofBatch.Attestation(a.verifiedAt(), a.trustDomain(), a.bindingType(), new byte[] {1, 2, 3, 5}))) {
            assertRefused(good, 1, new ProofBatch.ChildProof(attest.enrollment(), attest.child(), Mode.ATTEST, null, null,
                    changed, attest.path()), "attestation " + changed);
        }
        // proofs swapped: each is at the wrong index of the tree
        List<ProofBatch.ChildProof> swapped = new ArrayList<>(good.proofs());
        swapped.set(0, custodial);
        swapped.set(2, relay);
        List<Issued> recorded = List.of(issued.get(2), issued.get(1), issued.get(0));
        List<Optional<Reason>> r = verify(new ProofBatch(HUB, GW, good.algorithm(), good.root(), good.signature(), swapped), recorded);
        assertEquals(Optional.of(Reason.BAD_GATEWAY_SIGNATURE), r.get(0));
        assertEquals(Optional.of(Reason.BAD_GATEWAY_SIGNATURE), r.get(2));
    }

    private void assertRefused(ProofBatch good, int index, ProofBatch.ChildProof replacement, String what) {
        List<ProofBatch.ChildProof> proofs = new ArrayList<>(good.proofs());
        proofs.set(index, replacement);
        ProofBatch b = new ProofBatch(HUB, GW, good.algorithm(), good.root(), good.signature(), proofs);
        List<Optional<Reason>> r = verify(b, issued);
        assertTrue(r.get(index).isPresent(), what + " changed and still accepted");
        for (int i = 0; i < r.size(); i++) {
            if (i != index) {
                assertEquals(Optional.empty(), r.get(i), "other proofs of the batch are unaffected by " + what);
            }
        }
    }

    private static void add(List<ProofBatch> list, List<String> what, String label, ProofBatch b) {
        list.add(b);
        what.add(label);
    }

    @Test
    void aSignatureForOnePurposeNeverPassesForAnother() {
        // the gateway key signing a child statement (custodial with the gateway's own key) is not a batch signature
        Issued r = issued.get(0);
        byte[] child = SignedBytes.childStatement(Mode.CUSTODIAL, HUB, GW, r.child(), r.enrollment(), r.binding().nonce(), r.binding().leafDer());
        byte[] sig = TestKeys.sign(gateway.getPrivate(), Signatures.ES256, child);
        byte[] batch = SignedBytes.batchStatement(HUB, GW, 1, new byte[32]);
        assertFalse(Signatures.verify(gateway.getPublic(), Signatures.ES256, batch, sig));
        // relay and custodial statements differ although every other field is equal
        assertFalse(java.util.Arrays.equals(child,
                SignedBytes.childStatement(Mode.RELAY, HUB, GW, r.child(), r.enrollment(), r.binding().nonce(), r.binding().leafDer())));
    }
}
