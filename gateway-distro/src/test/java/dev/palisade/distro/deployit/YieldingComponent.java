package dev.palisade.distro.deployit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentContext;

/**
 * A DS component of {@code DeployHandoverIT}'s test bundles that behaves as the hub link does in a
 * side-by-side replacement: at activation it asks every older running revision of its own bundle
 * to yield ({@link Yielding}); asked to yield, it waits {@code yield.delay.ms} (as a link waits for
 * the hub's acknowledgements) and disables itself, which unregisters its {@link Yielding} service.
 * It comes back only when its bundle starts again; the system property {@link #YIELDED} + bundle
 * id tells the test that it yielded. Copied as class files into the test bundles.
 */
public final class YieldingComponent implements Yielding {
    /** System property prefix, followed by the bundle id: set to true when that revision yields. */
    public static final String YIELDED = "deploy.it.yielded.";

    private volatile ComponentContext context;

    /** Makes the older revisions yield. */
    public void activate(ComponentContext componentContext) throws InvalidSyntaxException {
        this.context = componentContext;
        BundleContext bundleContext = componentContext.getBundleContext();
        Bundle self = bundleContext.getBundle();
        ServiceReference<?>[] running = bundleContext.getAllServiceReferences(Yielding.class.getName(), null);
        for (ServiceReference<?> reference : running == null ? new ServiceReference<?>[0] : running) {
            Bundle owner = reference.getBundle();
            if (owner != null && owner.getBundleId() != self.getBundleId()
                    && self.getSymbolicName().equals(owner.getSymbolicName())
                    && owner.getVersion().compareTo(self.getVersion()) < 0) {
                Object older = bundleContext.getService(reference);
                try {
                    ((Runnable) older).run();
                } finally {
                    bundleContext.ungetService(reference);
                }
            }
        }
    }

    /** Yields: after {@code yield.delay.ms}, disables this component (its service goes away). */
    @Override
    public void run() {
        ComponentContext current = context;
        Object delay = current.getProperties().get("yield.delay.ms");
        long millis = delay == null ? 0 : Long.parseLong(delay.toString());
        String name = (String) current.getProperties().get("component.name");
        Thread yielding = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            // Marks, for the test, that this revision yielded: before its service goes away.
            System.setProperty(YIELDED + current.getBundleContext().getBundle().getBundleId(), "true");
            current.disableComponent(name);
        }, "deploy-it-yielding");
        yielding.setDaemon(true);
        yielding.start();
    }
}
