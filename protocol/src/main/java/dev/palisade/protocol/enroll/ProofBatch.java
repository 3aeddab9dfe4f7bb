package dev.palisade.protocol.enroll;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Gateway → hub on {@code palisade/v1/<G>/enroll/proof} ({@code docs/protocol.md} §4.3): N
 * proofs under one signature of the gateway's token key over the root of their hash tree. Each
 * proof carries its inclusion path, so each can be checked (and kept as a receipt) on its own.
 * Answered with {@link Results} or {@link ErrorAnswer}. Build one with {@link BatchAssembler}.
 *
 * @param hub the hub id from the challenges
 * @param gateway the gateway id
 * @param algorithm the gateway's signature algorithm ({@link Signatures})
 * @param root the tree root the gateway signed, 32 bytes
 * @param signature the gateway's signature over {@link SignedBytes#batchStatement}
 * @param proofs 1..{@link Wire#MAX_BATCH} proofs, leaf i of the tree is proof i
 */
public record ProofBatch(String hub, String gateway, String algorithm, byte[] root, byte[] signature, List<ChildProof> proofs) {

    /** The message type on the wire. */
    public static final String TYPE = "proof";

    /** Validates the fields, copies the bytes and the list. */
    public ProofBatch {
        Challenges.requireId(hub, "hub");
        Challenges.requireId(gateway, "gateway");
        Objects.requireNonNull(algorithm, "algorithm");
        if (root.length != HashTree.HASH_BYTES) {
            throw new IllegalArgumentException("a root is " + HashTree.HASH_BYTES + " bytes, not " + root.length);
        }
        if (signature.length == 0 || signature.length > Wire.MAX_SIGNATURE_BYTES) {
            throw new IllegalArgumentException("a signature of " + signature.length + " bytes");
        }
        root = root.clone();
        signature = signature.clone();
        proofs = List.copyOf(proofs);
        if (proofs.isEmpty() || proofs.size() > Wire.MAX_BATCH) {
            throw new IllegalArgumentException("a batch has 1.." + Wire.MAX_BATCH + " proofs, not " + proofs.size());
        }
    }

    /** @return a copy of the root */
    @Override
    public byte[] root() {
        return root.clone();
    }

    /** @return a copy of the gateway's signature */
    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * What the gateway attests in {@code attest} mode: the child proved its key in a mutual TLS
     * handshake that the gateway verified.
     *
     * @param verifiedAt when the handshake and verification took place (millisecond precision)
     * @param trustDomain the gateway's trust domain that accepted the child's chain
     * @param bindingType how {@code binding} ties the attestation to that session, e.g.
     *        {@code tls-exporter} (RFC 9266) or {@code none}
     * @param binding the binding's bytes; empty for {@code none}
     */
    public record Attestation(Instant verifiedAt, String trustDomain, String bindingType, byte[] binding) {

        /** Validates the fields and copies the binding. */
        public Attestation {
            Objects.requireNonNull(verifiedAt, "verifiedAt");
            if (verifiedAt.getNano() % 1_000_000 != 0) {
                throw new IllegalArgumentException("verifiedAt has sub-millisecond precision; the protocol carries milliseconds");
            }
            if (verifiedAt.isBefore(Instant.EPOCH)) {
                throw new IllegalArgumentException("verifiedAt " + verifiedAt + " is before 1970: it is signed as an unsigned count");
            }
            Challenges.requireId(trustDomain, "trust domain");
            Challenges.requireId(bindingType, "binding type");
            binding = binding.clone();
            if (binding.length > Wire.MAX_BINDING_BYTES) {
                throw new IllegalArgumentException("a session binding of " + binding.length + " bytes (≤ " + Wire.MAX_BINDING_BYTES + ")");
            }
        }

        byte[] bindingBytes() {
            return binding;
        }

        /** @return a copy of the binding */
        @Override
        public byte[] binding() {
            return binding.clone();
        }
    }

    /**
     * One child's proof. In {@code relay} and {@code custodial} mode {@code algorithm} and
     * {@code signature} are set (the signature over {@link SignedBytes#childStatement}) and
     * {@code attestation} is null; in {@code attest} mode the reverse.
     *
     * @param enrollment the enrollment id from the challenge
     * @param child the child id
     * @param mode the proof mode; must be the mode of the request
     * @param algorithm the child signature's algorithm
     * @param signature the child's signature
     * @param attestation the gateway's attestation
     * @param path the inclusion path of this proof in the batch's tree; empty in a batch of one
     */
    public record ChildProof(byte[] enrollment, String child, Mode mode, String algorithm, byte[] signature,
            Attestation attestation, List<byte[]> path) {

        /** Validates that the fields fit the mode; copies the bytes. */
        public ChildProof {
            Challenges.requireId(child, "child");
            Objects.requireNonNull(mode, "mode");
            if (enrollment == null || enrollment.length != Wire.ENROLLMENT_ID_BYTES) {
                throw new IllegalArgumentException("child '" + child + "': an enrollment id is " + Wire.ENROLLMENT_ID_BYTES + " bytes");
            }
            enrollment = enrollment.clone();
            if (mode == Mode.ATTEST) {
                if (attestation == null || algorithm != null || signature != null) {
                    throw new IllegalArgumentException("child '" + child + "': an attest proof has an attestation and no child signature");
                }
            } else {
                if (attestation != null || algorithm == null || signature == null || signature.length == 0
                        || signature.length > Wire.MAX_SIGNATURE_BYTES) {
                    throw new IllegalArgumentException("child '" + child + "': a " + mode
                            + " proof has a child signature (1.." + Wire.MAX_SIGNATURE_BYTES + " bytes) and no attestation");
                }
                signature = signature.clone();
            }
            path = path.stream().map(byte[]::clone).toList();
            for (byte[] p : path) {
                if (p.length != HashTree.HASH_BYTES) {
                    throw new IllegalArgumentException("child '" + child + "': a path hash is " + HashTree.HASH_BYTES + " bytes");
                }
            }
        }

        /** @return a relay or custodial proof without its path yet */
        public static ChildProof signed(byte[] enrollment, String child, Mode mode, String algorithm, byte[] signature) {
            return new ChildProof(enrollment, child, mode, algorithm, signature, null, List.of());
        }

        /** @return an attest proof without its path yet */
        public static ChildProof attested(byte[] enrollment, String child, Attestation attestation) {
            return new ChildProof(enrollment, child, Mode.ATTEST, null, null, attestation, List.of());
        }

        ChildProof withPath(List<byte[]> newPath) {
            return new ChildProof(enrollment, child, mode, algorithm, signature, attestation, newPath);
        }

        byte[] enrollmentBytes() {
            return enrollment;
        }

        byte[] signatureBytes() {
            return signature;
        }

        /** @return a copy of the enrollment id */
        @Override
        public byte[] enrollment() {
            return enrollment.clone();
        }

        /** @return a copy of the child's signature, or null in attest mode */
        @Override
        public byte[] signature() {
            return signature == null ? null : signature.clone();
        }

        /** @return copies of the path's hashes */
        @Override
        public List<byte[]> path() {
            return path.stream().map(byte[]::clone).toList();
        }
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        JsonWriter w = new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE).field("hub", hub)
                .field("gateway", gateway).field("alg", algorithm).field("root", Fields.encode(root))
                .field("signature", Fields.encode(signature)).beginArray("proofs");
        for (ChildProof p : proofs) {
            w.begin().field("enrollment", Fields.encode(p.enrollment)).field("child", p.child()).field("mode", p.mode().toString());
            if (p.mode() == Mode.ATTEST) {
                Attestation a = p.attestation();
                w.name("attestation").begin().field("verified_at", a.verifiedAt().toString())
                        .field("trust_domain", a.trustDomain()).field("binding_type", a.bindingType())
                        .field("binding", Fields.encode(a.binding)).end();
            } else {
                w.field("alg", p.algorithm()).field("signature", Fields.encode(p.signature));
            }
            w.beginArray("path");
            for (byte[] h : p.path) {
                w.element(Fields.encode(h));
            }
            w.endArray().end();
        }
        return w.endArray().end().toBytes();
    }

    /**
     * @param json a received message
     * @return the batch (signatures not yet checked: see {@link ProofVerifier})
     * @throws ProtocolException naming the first thing wrong
     */
    public static ProofBatch parse(byte[] json) throws ProtocolException {
        Fields f = Fields.message(json, TYPE, Wire.MAX_PROOF_BYTES);
        String hub = f.id("hub");
        String gateway = f.id("gateway");
        String alg = f.string("alg", 32);
        byte[] root = f.bytes("root", HashTree.HASH_BYTES, HashTree.HASH_BYTES);
        byte[] signature = f.bytes("signature", 1, Wire.MAX_SIGNATURE_BYTES);
        List<Object> items = f.array("proofs", 1, Wire.MAX_BATCH);
        int maxPath = HashTree.maxPathLength(items.size());
        List<ChildProof> proofs = new ArrayList<>(items.size());
        Set<String> children = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Fields p = Fields.item(items.get(i), "proofs[" + i + "]");
            byte[] enrollment = p.bytes("enrollment", Wire.ENROLLMENT_ID_BYTES, Wire.ENROLLMENT_ID_BYTES);
            String child = p.id("child");
            if (!children.add(child)) {
                throw new ProtocolException(p.at("child") + " \"" + child + "\" is proven twice in one batch");
            }
            Mode mode = p.wireEnum("mode", Mode.class);
            List<Object> hashes = p.array("path", 0, maxPath);
            List<byte[]> path = new ArrayList<>(hashes.size());
            for (int k = 0; k < hashes.size(); k++) {
                String where = p.at("path") + "[" + k + "]";
                path.add(Fields.decode(Fields.itemString(hashes.get(k), where), where, HashTree.HASH_BYTES, HashTree.HASH_BYTES));
            }
            if (mode == Mode.ATTEST) {
                if (p.has("signature") || p.has("alg")) {
                    throw new ProtocolException(p.at("signature") + ": an attest proof carries no child signature");
                }
                Fields a = p.object("attestation");
                Attestation attestation = new Attestation(a.instant("verified_at"), a.id("trust_domain"), a.id("binding_type"),
                        a.bytes("binding", 0, Wire.MAX_BINDING_BYTES));
                proofs.add(new ChildProof(enrollment, child, mode, null, null, attestation, path));
            } else {
                if (p.has("attestation")) {
                    throw new ProtocolException(p.at("attestation") + ": only an attest proof carries an attestation");
                }
                proofs.add(new ChildProof(enrollment, child, mode, p.string("alg", 32),
                        p.bytes("signature", 1, Wire.MAX_SIGNATURE_BYTES), null, path));
            }
        }
        return new ProofBatch(hub, gateway, alg, root, signature, proofs);
    }
}
