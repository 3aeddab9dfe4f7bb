package dev.palisade.api.enroll;

/**
 * Why the hub refused an enrollment (DESIGN §5). The wire codes are defined in
 * {@code docs/protocol.md} §8; each constant's name is its wire code, and the enrollment bundle
 * maps every code of the protocol onto exactly one constant here (a test keeps the two lists
 * equal). A code this version does not know is reported as
 * {@link #UNRECOGNIZED}, with the code itself in the child state's detail.
 */
public enum HubReason {
    /** The child's chain does not lead to any CA the hub knows (nor is the certificate's
     * thumbprint registered). */
    UNKNOWN_CA,
    /** The chain leads to a CA whose owner has not yet proven possession of its key with the
     * hub's verification code. */
    CA_NOT_VERIFIED,
    /** The child's chain is invalid (signature, validity, constraints). */
    CHAIN_INVALID,
    /** A certificate in the child's chain is revoked. */
    REVOKED,
    /** The child id does not match the subject of the child's certificate. */
    SUBJECT_MISMATCH,
    /** This gateway may not parent this child. */
    NOT_ALLOWED_TO_PARENT,
    /** Another gateway is already enrolled as this child's parent. */
    PARENTED_ELSEWHERE,
    /** The challenge's nonce expired before the proof arrived. */
    NONCE_EXPIRED,
    /** The challenge's nonce was already used. */
    NONCE_REPLAYED,
    /** The proof names an enrollment id the hub does not know. */
    UNKNOWN_ENROLLMENT,
    /** The child's signature (or, in custodial mode, the signature made as the child) does not
     * verify. */
    BAD_SIGNATURE,
    /** The gateway's countersignature does not verify, or a batch inclusion path does not lead
     * to the signed root. */
    BAD_GATEWAY_SIGNATURE,
    /** The hub does not accept this proof mode for this child. */
    MODE_NOT_ALLOWED,
    /** The hub could not parse the request, or does not speak its protocol version. */
    MALFORMED,
    /** The hub could not decide (its registry was unusable); the gateway retries later. */
    UNAVAILABLE,
    /** A reason code this version of the API does not know. */
    UNRECOGNIZED
}
