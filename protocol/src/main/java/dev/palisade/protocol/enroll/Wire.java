package dev.palisade.protocol.enroll;

/** The protocol's constants: version, topics, sizes ({@code docs/protocol.md} §2, §3, §9). */
public final class Wire {

    /** The protocol version, {@code "v"} in every message and part of every signed byte string. */
    public static final int VERSION = 1;
    /** Topic suffix (below {@code palisade/v1/<gateway>/}) of {@link EnrollRequest}. */
    public static final String TOPIC_REQUEST = "enroll/request";
    /** Topic suffix of {@link ProofBatch}. */
    public static final String TOPIC_PROOF = "enroll/proof";
    /** Topic suffix of {@link Unenroll}. */
    public static final String TOPIC_REMOVE = "enroll/remove";

    /** Largest message either side accepts, in bytes. */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Most children in one request, one challenge answer, one proof batch. */
    public static final int MAX_BATCH = 1024;
    /** Most certificates in a child's chain (leaf first). */
    public static final int MAX_CHAIN = 4;
    /** Largest certificate (DER) in bytes. */
    public static final int MAX_CERTIFICATE_BYTES = 4096;
    /** Nonce size in bytes: exactly this many. */
    public static final int NONCE_BYTES = 32;
    /** Enrollment id size in bytes: exactly this many. */
    public static final int ENROLLMENT_ID_BYTES = 16;
    /** Largest signature in bytes (RSA 4096 is 512). */
    public static final int MAX_SIGNATURE_BYTES = 1024;
    /** Largest attestation session binding in bytes. */
    public static final int MAX_BINDING_BYTES = 256;
    /** Longest refusal detail, in characters. */
    public static final int MAX_DETAIL = 512;

    private Wire() {
    }
}
