package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.LinkHandover;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The links running beside this one that it takes over from: those of link bundles installed
 * before this one (a side-by-side replacement by the deployer, {@link LinkHandover}). Only older
 * ones: a link never asks a newer one to yield, so that two links never take the session from
 * each other in turn.
 */
interface OlderLinks {

    /** No other link (a link outside OSGi, or the only one). */
    OlderLinks NONE = new OlderLinks() {
        @Override
        public boolean present() {
            return false;
        }

        @Override
        public String yieldAll(String successor, Duration settle) {
            return "";
        }
    };

    /** @return whether an older link runs beside this one now */
    boolean present();

    /**
     * Asks every older link to yield and returns once each has closed its connection.
     *
     * @return what each reported, for the log
     * @throws IllegalStateException if one cannot be asked, or did not close its connection in
     *         time: the caller must not CONNECT
     */
    String yieldAll(String successor, Duration settle) throws InterruptedException;

    /** The older links in the service registry: {@link LinkHandover} services of bundles with a lower id. */
    static OlderLinks inRegistry(BundleContext context) {
        long self = context.getBundle().getBundleId();
        return new OlderLinks() {
            /*
             * Every registration, not only those Felix finds assignable to this bundle: its
             * assignability check left the older link out (both revisions import the same API
             * package, but each registers its own private component class too). The cast below
             * is the check that matters: the older link's LinkHandover is this bundle's.
             */
            private Collection<ServiceReference<?>> older() {
                List<ServiceReference<?>> found = new ArrayList<>();
                try {
                    ServiceReference<?>[] all = context.getAllServiceReferences(LinkHandover.class.getName(), null);
                    for (ServiceReference<?> ref : all == null ? new ServiceReference<?>[0] : all) {
                        if (ref.getBundle() != null && ref.getBundle().getBundleId() < self) {
                            found.add(ref);
                        }
                    }
                } catch (InvalidSyntaxException | IllegalStateException e) {
                    // no filter given; a stopping bundle has no older links to care about
                }
                return found;
            }

            @Override
            public boolean present() {
                return !older().isEmpty();
            }

            @Override
            public String yieldAll(String successor, Duration settle) throws InterruptedException {
                List<String> reports = new ArrayList<>();
                for (ServiceReference<?> ref : older()) {
                    Object service = context.getService(ref);
                    if (service == null) {
                        continue; // gone meanwhile
                    }
                    if (!(service instanceof LinkHandover older)) {
                        // It holds the session and cannot be asked: connecting now would take the
                        // session from it, and it would take it back. Do not connect.
                        context.ungetService(ref);
                        throw new IllegalStateException("the older link of bundle " + ref.getBundle().getBundleId()
                                + " is wired to another revision of the upstream API and cannot be asked to hand over");
                    }
                    org.osgi.framework.Bundle bundle = ref.getBundle();
                    try {
                        reports.add((bundle == null ? "a link" : "bundle " + bundle.getBundleId()) + ": "
                                + older.yieldTo(successor, settle));
                    } finally {
                        context.ungetService(ref);
                    }
                }
                return String.join("; ", reports);
            }
        };
    }
}
