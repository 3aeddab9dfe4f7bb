package dev.palisade.api.deploy;

/** Why an update was refused before anything was installed. */
public enum DeployRefusal {
    /** The file could not be read as an update set (not an archive, missing or unparsable
     * manifest, a bundle that is not a bundle). */
    MALFORMED,
    /** The set carries no signature. */
    UNSIGNED,
    /** The signature does not verify over the set's manifest. */
    BAD_SIGNATURE,
    /** The signature verifies, but the signing certificate does not chain to a configured
     * code-signing anchor, or it or an issuer is expired or not yet valid. */
    UNTRUSTED_PUBLISHER,
    /** The publisher chains to an anchor, but its certificate is not for code signing (no
     * extended key usage {@code codeSigning}, no {@code digitalSignature}, or a CA certificate). */
    NOT_CODE_SIGNING,
    /** A bundle's digest differs from the one in the signed manifest, or the set holds a file the
     * manifest does not list. */
    TAMPERED,
    /** A bundle would replace a higher installed version and the operator did not allow a
     * downgrade. */
    DOWNGRADE,
    /** The set replaces a bundle that cannot be updated in place: the deploy bundle itself or the
     * system bundle. */
    NOT_UPDATABLE,
    /** A rollback was asked for but no previous set is kept. */
    NOTHING_TO_ROLL_BACK
}
