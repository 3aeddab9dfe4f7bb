package dev.palisade.api.trust;

/**
 * Why a chain was rejected, by rule family. The {@link Verdict}'s message names the certificate
 * and the exact rule; this code is for programs (tests, the CLI's batch output, statistics).
 */
public enum RejectReason {
    /** The request names a trust domain that is not configured. */
    UNKNOWN_DOMAIN,
    /** A certificate could not be parsed, or the input is not a certificate chain at all. */
    MALFORMED,
    /** No path from the leaf to an anchor of the domain could be built (no candidate issuer
     * matched by name, AKI/SKI and signature). */
    NO_PATH,
    /** The path is longer than the domain's maximum depth, or the request holds more
     * certificates than the verifier accepts. */
    DEPTH,
    /** Path building hit the verifier's work bound (too many candidate issuers to try). */
    RESOURCE_LIMIT,
    /** A certificate was expired at the validation time (after clock-skew tolerance). */
    EXPIRED,
    /** A certificate was not yet valid at the validation time (after clock-skew tolerance). */
    NOT_YET_VALID,
    /** A signature in the path does not verify with its issuer's key. */
    SIGNATURE,
    /** A CA certificate lacks basicConstraints cA=TRUE, or a leaf claims to be a CA. */
    BASIC_CONSTRAINTS,
    /** A pathLenConstraint in the path is exceeded. */
    PATH_LENGTH,
    /** A key usage is missing (keyCertSign on a CA, digitalSignature on the leaf) or not
     * allowed. */
    KEY_USAGE,
    /** The leaf lacks the extended key usage the domain requires for the purpose. */
    EXTENDED_KEY_USAGE,
    /** A name in the path violates a name constraint, including one in the anchor certificate. */
    NAME_CONSTRAINTS,
    /** A certificate carries a critical extension the verifier does not process. */
    UNKNOWN_CRITICAL_EXTENSION,
    /** A signature algorithm in the path is not allowed by the domain. */
    ALGORITHM_POLICY,
    /** A public key in the path has a type, curve or size the domain does not allow. */
    KEY_POLICY,
    /** A certificate breaks the strict profile (missing or critical SKI/AKI, malformed SAN,
     * negative serial, inconsistent CA extensions, …). */
    PROFILE,
    /** A certificate in the path is revoked by a CRL. */
    REVOKED,
    /** Revocation could not be decided: no usable CRL, or a CRL past its nextUpdate beyond the
     * domain's grace period, or a CRL whose issuer lacks cRLSign. The domain fails closed. */
    REVOCATION_UNKNOWN,
    /** A certificate is on the operator's deny-list (by fingerprint or issuer and serial). */
    DENIED,
    /** The domain's identity rule found no identity in the leaf (no CN, no matching SAN). */
    NO_IDENTITY,
    /** The identity derived from the leaf differs from the identity the request expected. */
    IDENTITY_MISMATCH,
    /** The verifier failed unexpectedly; it fails closed and logs the cause. The chain could
     * not be evaluated ({@code palisade verify} exits with 2). */
    INTERNAL
}
