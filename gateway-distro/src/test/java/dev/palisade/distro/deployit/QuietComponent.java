package dev.palisade.distro.deployit;

/**
 * A DS component that activates and does nothing, copied as a class file into test bundles by
 * {@code DeployHandoverIT}: the health gate then has a component of the new revision to wait for.
 * Uses nothing but java.lang, so that the test bundle needs no imports.
 */
public final class QuietComponent {
    /** Activates. */
    public QuietComponent() {
        // nothing to do: being ACTIVE is the point
    }
}
