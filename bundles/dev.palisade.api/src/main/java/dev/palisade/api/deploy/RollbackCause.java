package dev.palisade.api.deploy;

/** Why an update that had started to apply was rolled back. */
public enum RollbackCause {
    /** A bundle of the set, or one depending on it, did not resolve. */
    RESOLUTION,
    /** A bundle's activator failed, or a bundle failed to start. */
    ACTIVATION,
    /** The health gate did not pass in time: a DS component of a changed bundle not satisfied,
     * a health indicator not serving, or the upstream link not back up although it was up
     * before. */
    HEALTH_GATE,
    /** The gateway stopped (crash, power cut) in the middle of the apply; found and rolled back
     * at the next start. */
    INTERRUPTED
}
