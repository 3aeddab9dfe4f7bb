package dev.palisade.protocol.enroll;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Gateway side: collects the proofs of one batch, gives the one byte string the token signs,
 * and assembles the {@link ProofBatch} with each proof's inclusion path. One token signature per
 * batch, whatever its size (that is the point: a TPM signs ~100–200 times a second).
 *
 * <pre>{@code
 * BatchAssembler a = new BatchAssembler(hub, gateway);
 * a.add(binding1, ChildProof.signed(...));  a.add(binding2, ChildProof.attested(...));
 * byte[] sig = token.sign(a.statement());
 * ProofBatch batch = a.assemble(token.algorithm(), sig);
 * }</pre>
 *
 * Not thread-safe; one instance per batch.
 */
public final class BatchAssembler {

    private final String hub;
    private final String gateway;
    private final List<byte[]> leaves = new ArrayList<>();
    private final List<ProofBatch.ChildProof> proofList = new ArrayList<>();
    private HashTree tree;

    /**
     * @param hub the hub id from the challenges
     * @param gateway this gateway's id
     */
    public BatchAssembler(String hub, String gateway) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
    }

    /**
     * @param binding the challenge this proof answers
     * @param proof the proof, without path
     * @return this
     */
    public BatchAssembler add(SignedBytes.Binding binding, ProofBatch.ChildProof proof) {
        if (tree != null) {
            throw new IllegalStateException("the batch statement was already taken; start a new batch");
        }
        if (!binding.hub().equals(hub) || !binding.gateway().equals(gateway)) {
            throw new IllegalArgumentException("child '" + proof.child() + "': its challenge is for hub '" + binding.hub()
                    + "' and gateway '" + binding.gateway() + "', this batch for '" + hub + "' and '" + gateway + "'");
        }
        if (leaves.size() == Wire.MAX_BATCH) {
            throw new IllegalStateException("a batch holds at most " + Wire.MAX_BATCH + " proofs");
        }
        leaves.add(SignedBytes.proofLeaf(binding, proof));
        proofList.add(proof);
        return this;
    }

    /** @return the number of proofs added */
    public int size() {
        return proofList.size();
    }

    /** @return the bytes the gateway's token key signs; fixes the batch's content */
    public byte[] statement() {
        if (proofList.isEmpty()) {
            throw new IllegalStateException("an empty batch has nothing to sign");
        }
        tree = new HashTree(leaves);
        return SignedBytes.batchStatement(hub, gateway, tree.size(), tree.root());
    }

    /**
     * @param algorithm the token signature's algorithm
     * @param signature the token's signature over {@link #statement()}
     * @return the message to send
     */
    public ProofBatch assemble(String algorithm, byte[] signature) {
        if (tree == null) {
            throw new IllegalStateException("sign statement() first");
        }
        List<ProofBatch.ChildProof> withPaths = new ArrayList<>(proofList.size());
        for (int i = 0; i < proofList.size(); i++) {
            withPaths.add(proofList.get(i).withPath(tree.path(i)));
        }
        return new ProofBatch(hub, gateway, algorithm, tree.root(), signature, withPaths);
    }
}
