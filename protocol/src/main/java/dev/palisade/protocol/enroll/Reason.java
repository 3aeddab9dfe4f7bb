package dev.palisade.protocol.enroll;

/**
 * Why the hub refused a child or a message ({@code docs/protocol.md} §8). The wire code is the
 * constant's name. A side that receives a code it does not know treats it as a refusal it
 * cannot interpret (it must not retry faster because of it).
 */
public enum Reason {
    /** The chain leads to no CA the hub knows, and no registered thumbprint matches. */
    UNKNOWN_CA,
    /** The chain leads to a CA that has not passed the verification-code proof of possession. */
    CA_NOT_VERIFIED,
    /** The chain does not validate (signature, validity period, CA constraints, key usage). */
    CHAIN_INVALID,
    /** A certificate of the chain is revoked, or its CA is disabled. */
    REVOKED,
    /** The child id is not the leaf certificate's subject CN. */
    SUBJECT_MISMATCH,
    /** The gateway may not parent this child (not a gateway, the child is a gateway, or policy). */
    NOT_ALLOWED_TO_PARENT,
    /** Another gateway is the child's parent. */
    PARENTED_ELSEWHERE,
    /** The challenge expired before the proof arrived. */
    NONCE_EXPIRED,
    /** The challenge was already used by an earlier proof. */
    NONCE_REPLAYED,
    /** The proof names an enrollment the hub does not know (or one for another gateway or child). */
    UNKNOWN_ENROLLMENT,
    /** The child's signature (relay, custodial) does not verify with the leaf's key. */
    BAD_SIGNATURE,
    /** The gateway's signature over the batch does not verify, or an inclusion path does not lead to the signed root. */
    BAD_GATEWAY_SIGNATURE,
    /** The hub does not accept this mode for this child. */
    MODE_NOT_ALLOWED,
    /** The message could not be parsed, is out of bounds, or has an unsupported version. */
    MALFORMED,
    /** The hub could not decide (its registry is unusable); retry later. */
    UNAVAILABLE,
    /** Never sent: a received code this version does not know (the parsed detail starts with
     * {@code "code <CODE>: "}). */
    UNRECOGNIZED;

    /**
     * @param code a code from the wire
     * @return its constant, or {@link #UNRECOGNIZED}
     */
    public static Reason fromWire(String code) {
        for (Reason r : values()) {
            if (r != UNRECOGNIZED && r.name().equals(code)) {
                return r;
            }
        }
        return UNRECOGNIZED;
    }
}
