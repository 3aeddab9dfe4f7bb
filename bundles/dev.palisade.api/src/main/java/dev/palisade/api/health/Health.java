package dev.palisade.api.health;

/**
 * How well a part of the gateway is doing, from best to worst.
 *
 * <p>The order of the constants is the severity order: {@link #worst(Health, Health)} and
 * {@link #ordinal()} comparisons rely on it and it will not change within a major version.
 */
public enum Health {
    /** Working as configured. */
    UP,
    /** Working, but something needs attention soon (a certificate close to expiry, a full spool). */
    DEGRADED,
    /** Not known yet (still starting, or the check itself failed). Counts as not serving. */
    UNKNOWN,
    /** Not working: the part cannot do its job until the reason given is fixed. */
    DOWN;

    /**
     * The more severe of two states.
     *
     * @param a a state, not {@code null}
     * @param b a state, not {@code null}
     * @return {@code a} or {@code b}, whichever comes later in declaration order
     */
    public static Health worst(Health a, Health b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /** @return {@code true} for {@link #UP} and {@link #DEGRADED}: the part does its job. */
    public boolean isServing() {
        return this == UP || this == DEGRADED;
    }
}
