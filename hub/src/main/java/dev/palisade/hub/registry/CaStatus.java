package dev.palisade.hub.registry;

/** Where a registered CA stands. Only {@link #VERIFIED} CAs authenticate anything. */
public enum CaStatus {
    /** Uploaded; its key has not been proven yet (a verification code is outstanding). */
    PENDING,
    /** Proof of possession of its key passed. */
    VERIFIED,
    /** Switched off by an operator; authenticates nothing until removed and registered again. */
    DISABLED
}
