package dev.palisade.trust.internal;

/**
 * The work one verification may do. Path building with backtracking is exponential in the worst
 * case; these counters, not timing, are what bound it whatever the input.
 */
final class Budget {

    /** Candidate issuers tried per chain (after the name and key-identifier match). */
    static final int MAX_CANDIDATES = 64;
    /** Signature verifications per chain (certificates and CRLs). */
    static final int MAX_SIGNATURES = 64;

    /** Thrown when a counter runs out; becomes a RESOURCE_LIMIT verdict. */
    static final class Exhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exhausted(String message) {
            super(message, null, false, false);
        }
    }

    private int candidates;
    private int signatures;

    void candidate() {
        if (++candidates > MAX_CANDIDATES) {
            throw new Exhausted("path building tried more than " + MAX_CANDIDATES + " candidate issuers");
        }
    }

    void signature() {
        if (++signatures > MAX_SIGNATURES) {
            throw new Exhausted("verification needed more than " + MAX_SIGNATURES + " signature checks");
        }
    }

    int signatures() {
        return signatures;
    }
}
