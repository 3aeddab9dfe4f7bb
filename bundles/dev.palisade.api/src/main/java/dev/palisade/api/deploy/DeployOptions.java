package dev.palisade.api.deploy;

/**
 * What the operator allows for one update. Immutable.
 *
 * @param allowDowngrade {@code true} to apply a set that replaces a bundle with a lower
 *        version; otherwise such a set is refused with {@link DeployRefusal#DOWNGRADE}. It never
 *        overrides a signature check.
 */
public record DeployOptions(boolean allowDowngrade) {

    /** No downgrade allowed. */
    public static final DeployOptions DEFAULT = new DeployOptions(false);
}
