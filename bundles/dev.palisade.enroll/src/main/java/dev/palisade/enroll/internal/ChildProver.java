package dev.palisade.enroll.internal;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;

/**
 * How one child proves its key (docs/protocol.md §5), chosen from what the device offers: a
 * {@link ChildSigner} (relay), a verified TLS {@link PeerIdentity} (attest), or a key on the
 * gateway's token (custodial).
 */
sealed interface ChildProver {

    /** @return the child id */
    String child();

    /** @return the mode of this prover */
    Mode mode();

    /**
     * @return the chain the child is enrolled with, leaf first, as captured when this prover was
     *         made: the request sends this chain and the proof covers its leaf, so both are the same
     *         even if the device reconnects (and presents another certificate) meanwhile
     */
    List<X509Certificate> chain();

    /** @return the leaf certificate the child is enrolled with, {@code chain().get(0)} */
    default X509Certificate leaf() {
        return chain().get(0);
    }

    /**
     * Makes the child's proof for a challenge (without its inclusion path).
     *
     * @param binding the challenge's hub, gateway, nonce and this child's leaf
     * @param enrollment the challenge's enrollment id
     * @return completes with the proof, or exceptionally naming why this child could not prove
     */
    CompletionStage<ProofBatch.ChildProof> prove(SignedBytes.Binding binding, byte[] enrollment);

    /** The child signs through its bus ({@code LeafDevice.signer()}). */
    record Relay(String child, List<X509Certificate> chain, ChildSigner signer) implements ChildProver {
        public Relay {
            Objects.requireNonNull(child, "child");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("child '" + child + "': empty chain");
            }
            Objects.requireNonNull(signer, "signer");
        }

        @Override
        public Mode mode() {
            return Mode.RELAY;
        }

        @Override
        public CompletionStage<ProofBatch.ChildProof> prove(SignedBytes.Binding binding, byte[] enrollment) {
            byte[] statement = SignedBytes.childStatement(Mode.RELAY, binding.hub(), binding.gateway(), child, enrollment,
                    binding.nonce(), der(leaf()));
            return signer.sign(statement).thenApply(sig -> signed(this, enrollment, sig));
        }
    }

    /** The child proved its key in a TLS handshake the gateway verified; the gateway attests it. */
    record Attest(String child, PeerIdentity peer) implements ChildProver {
        public Attest {
            Objects.requireNonNull(child, "child");
            Objects.requireNonNull(peer, "peer");
        }

        @Override
        public Mode mode() {
            return Mode.ATTEST;
        }

        @Override
        public List<X509Certificate> chain() {
            return peer.chain();
        }

        @Override
        public CompletionStage<ProofBatch.ChildProof> prove(SignedBytes.Binding binding, byte[] enrollment) {
            byte[] sessionBinding = peer.sessionBinding();
            // The wire carries milliseconds; the attested time is what the gateway signs.
            Instant at = Instant.ofEpochMilli(peer.verifiedAt().toEpochMilli());
            return CompletableFuture.completedFuture(ProofBatch.ChildProof.attested(enrollment, child,
                    new ProofBatch.Attestation(at, peer.trustDomain(), sessionBinding.length == 0 ? "none" : "tls-exporter",
                            sessionBinding)));
        }
    }

    /**
     * The child has no cryptography; its key is on the gateway's token. Signing may block on the
     * token: the caller runs {@code prove} on its own executor.
     */
    record Custodial(String child, List<X509Certificate> chain, Signer childKey) implements ChildProver {
        public Custodial {
            Objects.requireNonNull(child, "child");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("child '" + child + "': empty chain");
            }
            Objects.requireNonNull(childKey, "childKey");
        }

        @Override
        public Mode mode() {
            return Mode.CUSTODIAL;
        }

        @Override
        public CompletionStage<ProofBatch.ChildProof> prove(SignedBytes.Binding binding, byte[] enrollment) {
            byte[] statement = SignedBytes.childStatement(Mode.CUSTODIAL, binding.hub(), binding.gateway(), child, enrollment,
                    binding.nonce(), der(leaf()));
            try {
                return CompletableFuture.completedFuture(signed(this, enrollment, childKey.sign(statement)));
            } catch (IdentityException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    private static ProofBatch.ChildProof signed(ChildProver prover, byte[] enrollment, SignatureValue sig) {
        String expected = Signatures.algorithmFor(prover.leaf().getPublicKey()).orElseThrow(() -> new IllegalStateException(
                "child '" + prover.child() + "': its certificate's key is not one the protocol accepts (EC P-256/P-384, RSA ≥ 2048)"));
        if (!expected.equals(sig.algorithm())) {
            throw new IllegalStateException("child '" + prover.child() + "' signed with " + sig.algorithm()
                    + "; the protocol requires " + expected + " for its key");
        }
        return ProofBatch.ChildProof.signed(enrollment, prover.child(), prover.mode(), sig.algorithm(), sig.value());
    }

    static byte[] der(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate " + cert.getSubjectX500Principal() + " cannot be encoded", e);
        }
    }
}
