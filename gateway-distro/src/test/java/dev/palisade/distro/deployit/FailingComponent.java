package dev.palisade.distro.deployit;

/**
 * A DS component whose construction fails, copied as a class file into a test bundle by
 * {@code DeployIT}: the deployer must roll back a set whose component does not activate.
 * Uses nothing but java.lang, so that the test bundle needs no imports.
 */
public final class FailingComponent {
    /** Always fails, as a component with a broken configuration or a missing resource would. */
    public FailingComponent() {
        throw new IllegalStateException("FailingComponent refuses to activate (deliberately, for DeployIT)");
    }
}
