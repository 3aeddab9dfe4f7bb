package dev.palisade.protocol.enroll;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;

/**
 * The exact byte strings that signatures and the hash tree cover ({@code docs/protocol.md} §6).
 * Never JSON: each is a domain label followed by fields, each field a 4-byte big-endian length
 * and its bytes, so that no two different field lists give the same bytes and a signature made
 * for one purpose (or protocol version) can never be read as one for another.
 */
public final class SignedBytes {

    /** Label of the child statement, signed by the child's key (relay, custodial). */
    public static final String CHILD_LABEL = "palisade/v1/enroll/child";
    /** Label of a proof, the content of one hash-tree leaf. */
    public static final String PROOF_LABEL = "palisade/v1/enroll/proof";
    /** Label of the batch statement, signed by the gateway's token key. */
    public static final String BATCH_LABEL = "palisade/v1/enroll/batch";

    private SignedBytes() {
    }

    /**
     * What the child's key signs in {@code relay} and {@code custodial} mode.
     *
     * @param mode {@link Mode#RELAY} or {@link Mode#CUSTODIAL}
     * @param hub the hub id from the challenge
     * @param gateway the gateway id
     * @param child the child id
     * @param enrollment the enrollment id from the challenge
     * @param nonce the nonce from the challenge
     * @param leafDer the child's leaf certificate, DER
     * @return the bytes to sign
     */
    public static byte[] childStatement(Mode mode, String hub, String gateway, String child, byte[] enrollment,
            byte[] nonce, byte[] leafDer) {
        if (mode == Mode.ATTEST) {
            throw new IllegalArgumentException("in attest mode the child signs nothing");
        }
        return common(new Builder(CHILD_LABEL), mode, hub, gateway, child, enrollment, nonce, leafDer).toBytes();
    }

    /**
     * The content of one hash-tree leaf: everything the gateway vouches for about one child.
     *
     * @param binding the common fields of the challenge this proof answers
     * @param proof the child's proof
     * @return the leaf content (hashed with prefix 0x00 by {@link HashTree})
     */
    public static byte[] proofLeaf(Binding binding, ProofBatch.ChildProof proof) {
        Builder b = common(new Builder(PROOF_LABEL), proof.mode(), binding.hub(), binding.gateway(), proof.child(),
                proof.enrollmentBytes(), binding.nonce(), binding.leafDer());
        if (proof.mode() == Mode.ATTEST) {
            ProofBatch.Attestation a = proof.attestation();
            b.u64(a.verifiedAt().toEpochMilli()).text(a.trustDomain()).text(a.bindingType()).field(a.bindingBytes());
        } else {
            b.text(proof.algorithm()).field(proof.signatureBytes());
        }
        return b.toBytes();
    }

    /**
     * What the gateway's token key signs for a batch.
     *
     * @param hub the hub id
     * @param gateway the gateway id
     * @param count the number of proofs in the batch (leaves of the tree)
     * @param root the tree's root hash
     * @return the bytes to sign
     */
    public static byte[] batchStatement(String hub, String gateway, int count, byte[] root) {
        return new Builder(BATCH_LABEL).text(hub).text(gateway).u32(count).field(root).toBytes();
    }

    /**
     * What the verifier of one proof knows from the challenge it issued (the hub keeps these with
     * the enrollment; the gateway keeps them between challenge and proof).
     *
     * @param hub the hub id
     * @param gateway the gateway id
     * @param nonce the challenge's nonce
     * @param leafDer the child's leaf certificate from the request, DER
     */
    public record Binding(String hub, String gateway, byte[] nonce, byte[] leafDer) {

        /** Checks the fields are present. */
        public Binding {
            Objects.requireNonNull(hub, "hub");
            Objects.requireNonNull(gateway, "gateway");
            nonce = Objects.requireNonNull(nonce, "nonce").clone();
            leafDer = Objects.requireNonNull(leafDer, "leafDer").clone();
        }

        /** @return a copy of the nonce */
        @Override
        public byte[] nonce() {
            return nonce.clone();
        }

        /** @return a copy of the leaf certificate's bytes */
        @Override
        public byte[] leafDer() {
            return leafDer.clone();
        }
    }

    private static Builder common(Builder b, Mode mode, String hub, String gateway, String child, byte[] enrollment,
            byte[] nonce, byte[] leafDer) {
        return b.text(mode.toString()).text(hub).text(gateway).text(child).field(enrollment).field(nonce)
                .field(sha256(leafDer));
    }

    /** @return SHA-256 of the bytes */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** @return the time as the signed bytes encode it: milliseconds since the epoch */
    static long millis(Instant t) {
        return t.toEpochMilli();
    }

    private static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

        Builder(String label) {
            text(label);
        }

        Builder text(String s) {
            return field(s.getBytes(StandardCharsets.UTF_8));
        }

        Builder field(byte[] bytes) {
            u32(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        Builder u32(int n) {
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
            return this;
        }

        Builder u64(long n) {
            u32((int) (n >>> 32));
            return u32((int) n);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
