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
     * code-signing anchor, or is expired, revoked or not for code signing. */
    UNTRUSTED_PUBLISHER,
    /** A bundle's digest differs from the one in the signed manifest, or the set holds a file the
     * manifest does not list. */
    TAMPERED,
    /** A bundle would replace a higher installed version and the operator did not allow a
     * downgrade. */
    DOWNGRADE,
    /** A rollback was asked for but no previous set is kept. */
    NOTHING_TO_ROLL_BACK
}
