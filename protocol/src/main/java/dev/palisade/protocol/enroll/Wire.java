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

    /** Most children in one request, one challenge answer, one proof batch. */
    public static final int MAX_BATCH = 1024;
    /** Most certificates in a child's chain (leaf first). */
    public static final int MAX_CHAIN = 4;
    /** Largest certificate (DER) in bytes. */
    public static final int MAX_CERTIFICATE_BYTES = 4096;

    /*
     * Per-message budgets: each is the legitimate maximum of its message kind with the limits
     * below, rounded up, so that a receiver never decodes more than a real peer could send
     * (docs/protocol.md §3).
     */
    /**
     * Largest {@link EnrollRequest}: 1,024 children × 4 certificates of 4,096 bytes (5,462
     * base64url characters each) plus ids and punctuation is about 22.6 MB.
     */
    public static final int MAX_REQUEST_BYTES = 24 * 1024 * 1024;
    /**
     * Largest {@link ProofBatch}: per proof at most a 1,024-byte signature (1,366 characters), an
     * 11-hash path, an attestation with two 128-character ids and a 256-byte binding, about
     * 2.7 KB; 1,024 proofs about 2.8 MB.
     */
    public static final int MAX_PROOF_BYTES = 4 * 1024 * 1024;
    /**
     * Largest answer ({@link Challenges}, {@link Results}, {@link ErrorAnswer}): 1,024 refusals,
     * each a 128-character child id, a reason code and a 512-character detail of up to 3 UTF-8
     * bytes per character, about 1.8 MB. The gateway parses hub answers under this cap.
     */
    public static final int MAX_ANSWER_BYTES = 2 * 1024 * 1024;
    /** Largest {@link Unenroll}: 1,024 ids of 128 characters, about 135 KB. */
    public static final int MAX_UNENROLL_BYTES = 256 * 1024;
    /** Largest message of any kind, in bytes (the request's budget). */
    public static final int MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES;
    /**
     * Most JSON values in one message, checked while parsing: the largest legitimate message
     * (a proof batch, ~17 values per proof) has under 18,000; twice that leaves room for members a
     * later minor revision adds.
     */
    public static final int MAX_JSON_VALUES = 32 * MAX_BATCH;
    /** Longest JSON string in characters, checked while parsing: a certificate is 5,462. */
    public static final int MAX_STRING_CHARS = 8192;
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
