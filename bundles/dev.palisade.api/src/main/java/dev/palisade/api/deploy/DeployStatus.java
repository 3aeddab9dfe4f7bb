package dev.palisade.api.deploy;

/** How an update ended. */
public enum DeployStatus {
    /** The set is installed and passed the health gate; it is now the current set. */
    APPLIED,
    /** The set was being applied but failed ({@link RollbackCause}); the gateway was returned to
     * exactly the previous bundles and state. */
    ROLLED_BACK,
    /** The set was refused before anything was installed ({@link DeployRefusal}). */
    REFUSED
}
