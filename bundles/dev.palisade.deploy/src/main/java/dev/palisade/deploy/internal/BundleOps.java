package dev.palisade.deploy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/** The framework operations of an apply, each named for what it does to the running gateway. */
final class BundleOps {
    /** Location prefix of bundles the deployer installs new: stable, and says who installed them. */
    static final String LOCATION_PREFIX = "palisade-deploy:";

    private final BundleContext context;
    private final Duration refreshTimeout;

    BundleOps(BundleContext context, Duration refreshTimeout) {
        this.context = context;
        this.refreshTimeout = refreshTimeout;
    }

    /** @return the installed bundle with this symbolic name (the highest version if several) */
    Optional<Bundle> find(String symbolicName) {
        Bundle found = null;
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED
                    && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                found = b;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * The file a bundle was installed from, when its location is a file the deployer can read
     * again ({@code file:} or {@code reference:file:}).
     */
    static Optional<Path> locationFile(Bundle bundle) {
        String location = bundle.getLocation();
        if (location.startsWith("reference:")) {
            location = location.substring("reference:".length());
        }
        if (!location.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            Path file = Path.of(URI.create(location));
            return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static boolean isFragment(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    /** Stops a bundle without changing whether it starts with the framework. */
    static void stopTransient(Bundle bundle) throws BundleException {
        if (bundle.getState() == Bundle.ACTIVE || bundle.getState() == Bundle.STARTING) {
            bundle.stop(Bundle.STOP_TRANSIENT);
        }
    }

    static void update(Bundle bundle, Path jar) throws IOException, BundleException {
        try (InputStream in = Files.newInputStream(jar)) {
            bundle.update(in);
        }
    }

    Bundle install(String symbolicName, Path jar) throws IOException, BundleException {
        try (InputStream in = Files.newInputStream(jar)) {
            return context.installBundle(LOCATION_PREFIX + symbolicName, in);
        }
    }

    /**
     * Installs {@code jar} as a new bundle beside an installed one of the same name (another
     * version), at a location of its own: {@code palisade-deploy:NAME@VERSION}, with a suffix if a
     * bundle already has that location (a location names one bundle: installing at a taken one
     * would return that bundle instead).
     */
    Bundle installBeside(String symbolicName, Path jar) throws IOException, BundleException {
        String base = LOCATION_PREFIX + symbolicName + "@" + Handover.declared(jar).version();
        String location = base;
        for (int i = 2; context.getBundle(location) != null; i++) {
            location = base + "#" + i;
        }
        try (InputStream in = Files.newInputStream(jar)) {
            return context.installBundle(location, in);
        }
    }

    /** @return the other bundles wired to {@code bundle}, which a refresh of it would restart */
    List<String> dependents(Bundle bundle) {
        List<String> names = new ArrayList<>();
        for (Bundle b : dependencyClosure(List.of(bundle))) {
            if (!b.equals(bundle)) {
                names.add(b.getSymbolicName() + " " + b.getVersion());
            }
        }
        return names;
    }

    /** @return the packages {@code bundle} exports */
    static List<String> exports(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        List<String> packages = new ArrayList<>();
        if (revision != null) {
            for (BundleCapability c : revision.getDeclaredCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                packages.add(String.valueOf(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE)));
            }
        }
        return packages;
    }

    /** @return the bundles that refreshing {@code bundles} would stop and start again */
    Collection<Bundle> dependencyClosure(Collection<Bundle> bundles) {
        return framework().getDependencyClosure(bundles);
    }

    /**
     * Refreshes {@code bundles} and what depends on them — nothing else — and waits until done.
     *
     * @return the framework's errors reported during the refresh (a bundle that failed to start again)
     * @throws IOException if the refresh does not end in time
     */
    List<String> refresh(Collection<Bundle> bundles) throws IOException, InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        List<String> errors = new ArrayList<>();
        AtomicReference<FrameworkEvent> end = new AtomicReference<>();
        org.osgi.framework.FrameworkListener errorListener = event -> {
            if (event.getType() == FrameworkEvent.ERROR && event.getBundle() != null) {
                synchronized (errors) {
                    errors.add(event.getBundle().getSymbolicName() + ": "
                            + (event.getThrowable() == null ? "error" : rootMessage(event.getThrowable())));
                }
            }
        };
        context.addFrameworkListener(errorListener);
        try {
            framework().refreshBundles(bundles, event -> {
                end.set(event);
                done.countDown();
            });
            if (!done.await(refreshTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("the framework did not finish refreshing within " + refreshTimeout.toSeconds() + " s");
            }
        } finally {
            context.removeFrameworkListener(errorListener);
        }
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** @return {@code true} if every bundle resolved */
    boolean resolve(Collection<Bundle> bundles) {
        return framework().resolveBundles(bundles);
    }

    private FrameworkWiring framework() {
        return context.getBundle(0).adapt(FrameworkWiring.class);
    }

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        return root == t || root.getMessage() == null ? message : message + " (" + root + ")";
    }
}
