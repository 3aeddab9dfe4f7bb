package dev.palisade.protocol.enroll;

import java.security.Provider;
import java.security.PublicKey;
import java.util.Optional;

/**
 * Hub side: the checks of a {@link ProofBatch} that need no registry ({@code docs/protocol.md}
 * §4.3 steps 3–5). The hub first checks the batch's hub and gateway ids and the gateway's
 * signature once, then each proof against the challenge it recorded (nonce freshness and single
 * use are the registry's: {@link ChallengeClock}).
 */
public final class ProofVerifier {

    private ProofVerifier() {
    }

    /**
     * @param batch the batch
     * @param gatewayKey the public key of the gateway's authenticated TLS client certificate
     * @return true if the gateway's signature over the batch statement verifies
     */
    public static boolean gatewaySignatureValid(ProofBatch batch, PublicKey gatewayKey) {
        return gatewaySignatureValid(batch, gatewayKey, null);
    }

    /**
     * As {@link #gatewaySignatureValid(ProofBatch, PublicKey)}, verifying with {@code provider}'s
     * implementation (null: the platform's preferred one; see {@link Signatures#verify(PublicKey,
     * String, byte[], byte[], Provider)}).
     */
    public static boolean gatewaySignatureValid(ProofBatch batch, PublicKey gatewayKey, Provider provider) {
        byte[] statement = SignedBytes.batchStatement(batch.hub(), batch.gateway(), batch.proofs().size(), batch.root());
        return Signatures.verify(gatewayKey, batch.algorithm(), statement, batch.signature(), provider);
    }

    /**
     * Checks proof {@code index}: its inclusion under the signed root, then the child's own
     * signature (relay, custodial). An attestation has no child signature: the gateway's
     * signature over the root is what vouches for it.
     *
     * @param batch the batch, whose gateway signature was found valid
     * @param index the proof's index
     * @param binding what the hub recorded with the challenge (its nonce, the child's leaf)
     * @param requestedMode the mode of the enroll request
     * @param childKey the public key of the child's leaf certificate
     * @return empty if the proof holds, else the reason to refuse the child
     */
    public static Optional<Reason> check(ProofBatch batch, int index, SignedBytes.Binding binding, Mode requestedMode,
            PublicKey childKey) {
        return check(batch, index, binding, requestedMode, childKey, null);
    }

    /**
     * As {@link #check(ProofBatch, int, SignedBytes.Binding, Mode, PublicKey)}, verifying the
     * child's signature with {@code provider}'s implementation (null: the platform's preferred one).
     */
    public static Optional<Reason> check(ProofBatch batch, int index, SignedBytes.Binding binding, Mode requestedMode,
            PublicKey childKey, Provider provider) {
        ProofBatch.ChildProof proof = batch.proofs().get(index);
        if (proof.mode() != requestedMode) {
            return Optional.of(Reason.MODE_NOT_ALLOWED);
        }
        byte[] leaf = SignedBytes.proofLeaf(binding, proof);
        if (!HashTree.verify(leaf, index, batch.proofs().size(), proof.path(), batch.root())) {
            return Optional.of(Reason.BAD_GATEWAY_SIGNATURE);
        }
        if (proof.mode() == Mode.ATTEST) {
            return Optional.empty();
        }
        byte[] statement = SignedBytes.childStatement(proof.mode(), binding.hub(), binding.gateway(), proof.child(),
                proof.enrollmentBytes(), binding.nonce(), binding.leafDer());
        return Signatures.verify(childKey, proof.algorithm(), statement, proof.signatureBytes(), provider)
                ? Optional.empty() : Optional.of(Reason.BAD_SIGNATURE);
    }
}
