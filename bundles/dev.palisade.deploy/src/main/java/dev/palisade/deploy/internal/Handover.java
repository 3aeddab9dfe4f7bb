package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.upstream.LinkHandover;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The make-before-break replacement of one running bundle ("side by side"): the new revision is
 * installed as a second bundle of the same name beside the running one, started while the old one
 * still runs, and the old one is removed only once the new one passed the health gate. Used for
 * bundles that declare {@link LinkHandover#HEADER} (the hub link: the new link prepares its TLS
 * connection and then asks the old one to yield, so that the data gap is a DISCONNECT/CONNECT
 * exchange instead of a stop, an update and a cold connect). The deployer knows only the header,
 * never which bundle declares it. The header's value names the service through which a running
 * revision hands over (the link's {@link LinkHandover}): with the link UP before, the gate also
 * waits until the old revision no longer registers it, i.e. has yielded — else the gate could pass
 * on the old link, still UP, and stop it in the middle of the hand-over.
 *
 * <p>A failure before the new revision starts leaves the old one untouched (never stopped). A
 * failure after it started removes the new revision and starts the old bundle again: a link that
 * yielded connects again only when its bundle starts.
 *
 * <p>Crash recovery needs nothing more than the in-place path's: the journal (written before the
 * apply, as for any update) holds the same change, and the framework cache is cleared at every
 * process start ({@code org.osgi.framework.storage.clean=onFirstInit}), so after a crash neither
 * revision the deployer installed exists any more, only the factory bundle from {@code bundle/};
 * {@link UpdateRunner#recover} then puts the kept previous jar over it in place
 * ({@link Applier#restore}), exactly as after an interrupted in-place update. An interruption
 * without a process restart (the deploy bundle stopped while it waits in the gate) is undone here,
 * before the interruption is passed on, so that the journal's in-place undo never meets two
 * bundles of one name.
 */
final class Handover {
    private static final Logger LOG = LoggerFactory.getLogger(Handover.class);

    /** What the deployer reads of one revision: its version and its {@link LinkHandover#HEADER}. */
    record Revision(Version version, String handover) {
    }

    /**
     * The bundle an update would replace, as it runs now.
     *
     * @param dependents bundles wired to it, which a refresh of it would restart
     * @param exports the packages it exports (the new revision could wire to them)
     */
    record Running(Revision revision, boolean active, boolean fragment, List<String> dependents, List<String> exports) {
    }

    /**
     * How a set is applied.
     *
     * @param sideBySide whether beside the running bundle
     * @param declared whether a bundle of the set declares {@link LinkHandover#HEADER} (the log says
     *        why it went in place only then: for any other bundle in place is the rule, not news)
     * @param reason why, for the log and the outcome
     */
    record Decision(boolean sideBySide, boolean declared, String reason) {
    }

    /**
     * Decides whether {@code changes} are applied side by side: only a set of exactly one change
     * that replaces a running, non-fragment bundle, both revisions declaring the same
     * {@link LinkHandover#HEADER}, the new one at a strictly higher version (the framework holds one
     * bundle per name and version; a downgrade, such as a rollback, goes in place), the running one
     * with no other bundle wired to it and no exported package (removing it must restart nothing).
     *
     * @param runningNow the bundle a change replaces as it runs now, empty if none is installed
     * @param incoming what the new jar of a change declares (only asked for changes with a new jar)
     */
    static Decision decide(List<Change> changes, Function<Change, Optional<Running>> runningNow,
            Function<Change, Revision> incoming) {
        Map<Change, Optional<Running>> asked = new HashMap<>(); // each bundle's wiring looked at once
        Function<Change, Optional<Running>> running = c -> asked.computeIfAbsent(c, runningNow);
        boolean declared = false;
        for (Change c : changes) {
            boolean newDeclares = c.newJar() != null && incoming.apply(c).handover() != null;
            boolean oldDeclares = c.previousJar() != null
                    && running.apply(c).map(r -> r.revision().handover() != null).orElse(false);
            declared |= newDeclares || oldDeclares;
        }
        if (!declared) {
            return new Decision(false, false, "no bundle of the set declares " + LinkHandover.HEADER);
        }
        if (changes.size() != 1) {
            return inPlace("the set changes " + changes.size() + " bundles; side by side replaces a set of one"
                    + " bundle only");
        }
        Change c = changes.get(0);
        String name = c.symbolicName();
        if (c.newJar() == null) {
            return inPlace("the set removes " + name);
        }
        Optional<Running> found = c.previousJar() == null ? Optional.empty() : running.apply(c);
        if (found.isEmpty()) {
            return inPlace(name + " is not installed yet");
        }
        Running old = found.get();
        Revision now = old.revision();
        Revision next = incoming.apply(c);
        if (old.fragment()) {
            return inPlace(name + " is a fragment");
        }
        if (!c.wasActive() || !old.active()) {
            return inPlace(name + " " + now.version() + " is not running");
        }
        if (next.handover() == null || now.handover() == null) {
            return inPlace((next.handover() == null ? "the new " : "the running ") + name + " "
                    + (next.handover() == null ? next.version() : now.version()) + " does not declare "
                    + LinkHandover.HEADER);
        }
        if (!next.handover().equals(now.handover())) {
            return inPlace(name + " declares " + LinkHandover.HEADER + " '" + now.handover() + "' running and '"
                    + next.handover() + "' new: not the same hand-over");
        }
        int order = next.version().compareTo(now.version());
        if (order == 0) {
            return inPlace(name + " keeps version " + now.version() + " (same version): the framework holds one bundle"
                    + " per name and version");
        }
        if (order < 0) {
            return inPlace(name + " goes down from " + now.version() + " to " + next.version());
        }
        if (!old.dependents().isEmpty()) {
            return inPlace("removing the running " + name + " would restart " + String.join(", ", old.dependents())
                    + ", wired to it");
        }
        if (!old.exports().isEmpty()) {
            return inPlace(name + " exports " + String.join(", ", old.exports()) + ": the new revision could wire to"
                    + " the old one's packages");
        }
        return new Decision(true, true, name + " " + now.version() + " -> " + next.version() + ", both declare "
                + LinkHandover.HEADER + " '" + now.handover() + "'");
    }

    private static Decision inPlace(String reason) {
        return new Decision(false, true, reason);
    }

    /** What the jar of a change declares: its Bundle-Version and {@link LinkHandover#HEADER}. */
    static Revision declared(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            if (file.getManifest() == null) {
                throw new IOException(jar.getFileName() + " has no manifest");
            }
            Attributes main = file.getManifest().getMainAttributes();
            return new Revision(Version.parseVersion(main.getValue(Constants.BUNDLE_VERSION)), trimmed(main.getValue(LinkHandover.HEADER)));
        } catch (IllegalArgumentException e) {
            throw new IOException(jar.getFileName() + " has an invalid Bundle-Version: " + e.getMessage(), e);
        }
    }

    /** What a running bundle declares: its version and {@link LinkHandover#HEADER}. */
    static Revision declared(Bundle bundle) {
        return new Revision(bundle.getVersion(), trimmed(bundle.getHeaders("").get(LinkHandover.HEADER)));
    }

    private static String trimmed(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private final BundleOps ops;
    private final HealthGate gate;
    private final Duration gateTimeout;

    Handover(BundleOps ops, HealthGate gate, Duration gateTimeout) {
        this.ops = ops;
        this.gate = gate;
        this.gateTimeout = gateTimeout;
    }

    /**
     * Replaces the running bundle of {@code change} side by side (see the class comment); the
     * caller decided so ({@link #decide}) and wrote the journal.
     *
     * @return empty if the new revision runs and passed the gate and the old one is gone, else why not
     *         (the old one runs again)
     */
    Optional<Applier.Failure> replace(Change change, Applier.StageListener stages) throws InterruptedException {
        String name = change.symbolicName();
        Bundle old = ops.find(name).orElseThrow(() -> new IllegalStateException(name + " is not installed"));
        String oldName = name + " " + old.getVersion();
        HealthGate.Before before = gate.snapshot(List.of(old));
        // The header's value names the service through which the running revision hands over: it
        // registers one while it could, and unregisters it once it yielded (LinkHandover). With the
        // link UP before, the new revision must take the session over, so the gate also waits for
        // that; with the link not UP there is no session to hand over (a new link that cannot reach
        // the hub does not ask the old one to yield), and the old one is stopped as in place.
        String contract = declared(old).handover();
        boolean handOver = before.linkUp() && stillOffers(old, contract);
        Bundle fresh;
        try {
            fresh = ops.installBeside(name, Path.of(change.newJar()));
        } catch (IOException | BundleException | RuntimeException e) {
            return Optional.of(new Applier.Failure(Applier.classify(e), name + " could not be installed beside the"
                    + " running " + oldName + ": " + BundleOps.rootMessage(e) + "; " + oldName + " kept running"));
        }
        String freshName = name + " " + fresh.getVersion();
        LOG.info("Changing {}: installed {} beside the running {} (bundle {}, {})", name, fresh.getVersion(),
                old.getVersion(), fresh.getBundleId(), fresh.getLocation());
        if (!ops.resolve(List.of(fresh))) {
            Optional<String> problem = resolutionProblem(fresh);
            if (problem.isPresent()) {
                discard(fresh);
                return Optional.of(new Applier.Failure(RollbackCause.RESOLUTION, freshName + " did not resolve: "
                        + problem.get() + "; it was removed, " + oldName + " kept running and was never stopped"));
            }
            // It resolved after all when asked to start (something else was installed meanwhile) and
            // ran for a moment: go on as if started, the gate decides.
        }
        try {
            try {
                fresh.start();
            } catch (BundleException | IllegalStateException e) {
                return rollBack(fresh, old, contract, new Applier.Failure(Applier.classify(e), freshName + " did not start: "
                        + BundleOps.rootMessage(e)), stages);
            }
            if (handOver) {
                LOG.info("Changing {}: waiting for the running {} to hand over to {} (it registers {} until it did)", name,
                        old.getVersion(), fresh.getVersion(), contract);
            }
            stages.reached(DeployProgress.Stage.HEALTH_GATE, "side by side: " + freshName + " runs beside " + oldName
                    + "; waiting up to " + gateTimeout.toSeconds() + " s for the components, the health checks and"
                    + " the link");
            Supplier<List<String>> handedOver = handOver ? () -> stillOffers(old, contract)
                    ? List.of("the running " + oldName + " has not handed over yet: it still registers " + contract)
                    : List.of() : List::of;
            Optional<Applier.Failure> unhealthy = gate.await(List.of(fresh), before, gateTimeout,
                    HealthGate.STILL_WAITING_EVERY, waiting -> stages.reached(DeployProgress.Stage.HEALTH_GATE, waiting),
                    handedOver).map(f -> new Applier.Failure(f.cause(), f.detail()));
            if (unhealthy.isPresent()) {
                return rollBack(fresh, old, contract, unhealthy.get(), stages);
            }
        } catch (RuntimeException e) {
            return rollBack(fresh, old, contract, new Applier.Failure(RollbackCause.ACTIVATION, freshName + ": "
                    + BundleOps.rootMessage(e)), stages);
        } catch (InterruptedException e) {
            // The deploy bundle is stopping: leave one bundle of the name behind, the old one, so that
            // the journal's undo at the next start finds what it expects.
            Thread.interrupted();
            rollBack(fresh, old, contract, new Applier.Failure(RollbackCause.INTERRUPTED, "the deployer stopped"), stages);
            Thread.currentThread().interrupt();
            throw e;
        }
        try {
            BundleOps.stopTransient(old);
        } catch (BundleException e) {
            LOG.warn("The replaced {} did not stop cleanly: {}; removing it anyway", oldName, BundleOps.rootMessage(e));
        }
        try {
            old.uninstall();
        } catch (BundleException | IllegalStateException e) {
            return rollBack(fresh, old, contract, new Applier.Failure(RollbackCause.ACTIVATION, "the replaced " + oldName
                    + " could not be removed: " + BundleOps.rootMessage(e)), stages);
        }
        refreshQuietly(old, oldName);
        LOG.info("Changing {}: {} replaced {} side by side; {} removed", name, fresh.getVersion(), old.getVersion(),
                oldName);
        return Optional.empty();
    }

    /** Removes the new revision and starts the old bundle again; best effort, logged. */
    private Optional<Applier.Failure> rollBack(Bundle fresh, Bundle old, String contract, Applier.Failure failure,
            Applier.StageListener stages) {
        String oldName = old.getSymbolicName() + " " + old.getVersion();
        LOG.warn("Update failed ({}): {}; removing {} {} and starting {} again", failure.cause(), failure.detail(),
                fresh.getSymbolicName(), fresh.getVersion(), oldName);
        stages.reached(DeployProgress.Stage.ROLLING_BACK, failure.cause() + ": " + failure.detail());
        discard(fresh);
        if (neverHandedOver(old, contract)) {
            // The new revision failed before it asked (it could not reach the hub, say): the old one
            // kept its session all along. Restarting it would only cost the in-place gap.
            LOG.info("Restoring {}: it kept running, it never handed over", oldName);
            return Optional.of(new Applier.Failure(failure.cause(), failure.detail() + "; side by side: the new"
                    + " revision was removed, " + oldName + " kept running (it never handed over)"));
        }
        String restarted = oldName + " started again";
        try {
            BundleOps.stopTransient(old);
            old.start(Bundle.START_TRANSIENT);
            LOG.info("Restoring {}: started again", oldName);
        } catch (BundleException | IllegalStateException e) {
            LOG.error("Rollback left a problem: {} did not start again: {}", oldName, BundleOps.rootMessage(e));
            restarted = oldName + " did NOT start again: " + BundleOps.rootMessage(e);
        }
        return Optional.of(new Applier.Failure(failure.cause(), failure.detail() + "; side by side: the new revision"
                + " was removed, " + restarted));
    }

    /** Stops and uninstalls a revision this replacement installed, and refreshes it away. */
    private void discard(Bundle fresh) {
        String freshName = fresh.getSymbolicName() + " " + fresh.getVersion();
        try {
            BundleOps.stopTransient(fresh);
        } catch (BundleException | IllegalStateException e) {
            LOG.warn("{} did not stop cleanly: {}", freshName, BundleOps.rootMessage(e));
        }
        try {
            if (fresh.getState() != Bundle.UNINSTALLED) {
                fresh.uninstall();
            }
            LOG.info("Restoring {}: removed {}", fresh.getSymbolicName(), freshName);
        } catch (BundleException | IllegalStateException e) {
            LOG.error("Rollback left a problem: {} could not be removed: {}", freshName, BundleOps.rootMessage(e));
        }
        refreshQuietly(fresh, freshName);
    }

    private void refreshQuietly(Bundle removed, String what) {
        try {
            List<String> errors = ops.refresh(List.of(removed));
            if (!errors.isEmpty()) {
                LOG.warn("Refreshing after removing {}: {}", what, String.join("; ", errors));
            }
        } catch (IOException e) {
            LOG.warn("Refreshing after removing {}: {}", what, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Refreshing after removing {} was interrupted", what);
        }
    }

    /** @return whether {@code bundle} registers a service named {@code contract} */
    /**
     * Whether the old revision, once the new one is gone, still runs and offers its hand-over: it
     * was never asked to yield. Looks for up to {@link #YIELD_SETTLE}: a revision asked just before
     * its successor stopped unregisters that service asynchronously (a link disables its component
     * on a thread of its own). Interrupted: answers no, so that the old revision is restarted.
     */
    private static boolean neverHandedOver(Bundle old, String contract) {
        long deadline = System.nanoTime() + YIELD_SETTLE.toNanos();
        while (old.getState() == Bundle.ACTIVE && stillOffers(old, contract)) {
            if (System.nanoTime() > deadline) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** How long {@link #neverHandedOver} watches the old revision. */
    private static final java.time.Duration YIELD_SETTLE = java.time.Duration.ofSeconds(2);

    private static boolean stillOffers(Bundle bundle, String contract) {
        ServiceReference<?>[] services;
        try {
            services = bundle.getRegisteredServices();
        } catch (IllegalStateException uninstalled) {
            return false;
        }
        if (services == null) {
            return false;
        }
        for (ServiceReference<?> service : services) {
            if (Arrays.asList((String[]) service.getProperty(Constants.OBJECTCLASS)).contains(contract)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a bundle did not resolve, as the framework says when asked to start it; empty if it
     * started after all (then it is stopped again).
     */
    private static Optional<String> resolutionProblem(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
        } catch (BundleException | IllegalStateException e) {
            return Optional.of(BundleOps.rootMessage(e));
        }
        return Optional.empty();
    }
}
