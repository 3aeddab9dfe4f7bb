package dev.palisade.distro.deployit;

/**
 * The hand-over service of {@code DeployHandoverIT}'s test bundles, standing in for
 * {@code LinkHandover}: a revision registers it while it runs and could hand over; {@link #run()}
 * asks it to yield. A Runnable, so that a newer revision (another class loader, its own copy of
 * this interface) can call an older one's.
 */
public interface Yielding extends Runnable {
}
