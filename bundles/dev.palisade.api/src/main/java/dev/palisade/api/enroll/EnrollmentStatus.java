package dev.palisade.api.enroll;

/** Where a child stands with the hub. */
public enum EnrollmentStatus {
    /** Not enrolled yet: an attempt is due, running, or waiting to be retried after a failure
     * that was not the hub's refusal (link down, timeout, signer unavailable, no custodial key). */
    PENDING,
    /** The hub accepted this gateway as the child's parent; the child's telemetry flows. */
    ENROLLED,
    /** The hub refused the child with a {@link HubReason}; the child's telemetry stays in the
     * spool. Retried with a long backoff, or at once on {@link Enrollment#enroll}, since the
     * cause is usually fixed on the hub (a CA verified) or the device (a new certificate). */
    REFUSED,
    /** The child was removed from the gateway and the hub was told to forget it. */
    UNENROLLED
}
