package dev.palisade.api.trust;

/** How a trust domain decides revocation. */
public enum RevocationPolicy {
    /** Revocation is not checked; only the deny-list applies. Shown as a warning. */
    OFF,
    /** Every certificate in the path must be covered by a current CRL; a CRL past its
     * nextUpdate counts as missing and the chain is rejected with
     * {@link RejectReason#REVOCATION_UNKNOWN}. */
    FAIL_CLOSED,
    /** As {@link #FAIL_CLOSED}, but a CRL past its nextUpdate is still used for the domain's
     * grace period. */
    GRACE_PERIOD
}
