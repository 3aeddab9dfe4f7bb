package dev.palisade.distro.leaky;

import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The activator of a deliberately faulty test bundle (built by {@code BundleSwapLeakIT}): it
 * starts a thread and does not stop it, the bug the leak test exists to catch. Proof that the
 * test can fail and names the bundle and the thread.
 */
public final class LeakyActivator implements BundleActivator {

    private static final AtomicInteger STARTED = new AtomicInteger();

    @Override
    public void start(BundleContext context) {
        Thread thread = new Thread(LeakyActivator::idle, "palisade-leaky-" + STARTED.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(BundleContext context) {
        // Deliberately nothing: the thread started above outlives the bundle.
    }

    private static void idle() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
