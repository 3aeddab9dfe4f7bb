package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.deploy.internal.set.Digests;
import dev.palisade.deploy.internal.set.SetManifest;
import dev.palisade.deploy.internal.set.SetRefusedException;
import dev.palisade.deploy.internal.set.UpdateSetVerifier.VerifiedSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans and carries out the bundle changes of one update or rollback, and undoes them when they
 * fail: stop the changed bundles, update or install them, refresh only them and what depends on
 * them, start them, pass the health gate — or return exactly the previous jars.
 */
final class Applier {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    /** The modification time recorded for content no bundle runs: no bundle's time is negative. */
    private static final long NOT_INSTALLED = -1L;

    private final BundleOps ops;
    private final DeployStore store;
    private final HealthGate gate;
    private final Duration gateTimeout;
    private final Bundle self;
    private final Handover handover;

    Applier(BundleOps ops, DeployStore store, HealthGate gate, Duration gateTimeout, Bundle self) {
        this.ops = ops;
        this.store = store;
        this.gate = gate;
        this.gateTimeout = gateTimeout;
        this.self = self;
        this.handover = new Handover(ops, gate, gateTimeout);
    }

    /** Why an apply failed after it had changed something; everything was put back. */
    record Failure(RollbackCause cause, String detail) {
    }

    /**
     * Works out what a verified set changes, and keeps a copy of each jar it replaces in
     * {@code record}/previous. Changes nothing in the framework.
     *
     * @throws SetRefusedException for a downgrade not allowed, or a bundle that cannot be updated in place
     */
    List<Change> plan(VerifiedSet set, DeployOptions options, Path record) throws SetRefusedException, IOException {
        List<Change> changes = new ArrayList<>();
        List<Bundle> replaced = new ArrayList<>();
        for (SetManifest.Entry entry : set.manifest().bundles()) {
            String name = entry.info().symbolicName();
            if (name.equals(self.getSymbolicName()) || name.equals("system.bundle")
                    || name.equals(self.getBundleContext().getBundle(0).getSymbolicName())) {
                throw new SetRefusedException(DeployRefusal.NOT_UPDATABLE, name + " cannot be updated by the deployer"
                        + " while it runs: replace it in the distribution's bundle/ folder and restart");
            }
            Path newJar = set.jars().get(name);
            Optional<Bundle> installed = ops.find(name);
            if (installed.isEmpty()) {
                changes.add(new Change(name, null, newJar.toString(), false));
                continue;
            }
            Bundle bundle = installed.get();
            Version to = Version.parseVersion(entry.info().version());
            if (to.compareTo(bundle.getVersion()) < 0 && !options.allowDowngrade()) {
                throw new SetRefusedException(DeployRefusal.DOWNGRADE, name + " would go down from " + bundle.getVersion()
                        + " to " + to + "; an operator may allow it with --force");
            }
            Path current = currentContent(bundle).orElseThrow(() -> new SetRefusedException(DeployRefusal.NOT_UPDATABLE, "no copy of the installed "
                            + name + " " + bundle.getVersion() + " (location " + bundle.getLocation()
                            + ") to roll back to: it was not installed from a file"));
            if (Digests.sha256Hex(current).equals(entry.info().sha256())) {
                continue; // already this exact jar
            }
            Path kept = record.resolve("previous").resolve(name + ".jar");
            Files.copy(current, kept);
            DeployStore.fsync(kept);
            replaced.add(bundle);
            changes.add(new Change(name, kept.toString(), newJar.toString(), isActive(bundle)));
        }
        if (!replaced.isEmpty() && ops.dependencyClosure(replaced).contains(self)) {
            throw new SetRefusedException(DeployRefusal.NOT_UPDATABLE, "replacing " + names(replaced)
                    + " would restart the deploy bundle itself, which depends on it: replace it in the distribution's"
                    + " bundle/ folder and restart");
        }
        return changes;
    }

    /**
     * Whether {@code changes} would be applied side by side ({@link Handover#decide}), as the
     * framework is now.
     */
    Handover.Decision decide(List<Change> changes) {
        return Handover.decide(changes, c -> ops.find(c.symbolicName()).map(b -> new Handover.Running(
                Handover.declared(b), isActive(b), BundleOps.isFragment(b), ops.dependents(b), BundleOps.exports(b))),
                c -> {
                    try {
                        return Handover.declared(Path.of(c.newJar()));
                    } catch (IOException e) {
                        // The set was verified, so this is unexpected; in place reports it properly.
                        LOG.warn("Cannot read the manifest of {}: {}", c.newJar(), e.getMessage());
                        return new Handover.Revision(Version.emptyVersion, null);
                    }
                });
    }

    /** {@link #execute(List, Handover.Decision, StageListener)} as {@link #decide} decides now. */
    Optional<Failure> execute(List<Change> changes, StageListener stages) throws InterruptedException {
        return execute(changes, decide(changes), stages);
    }

    /**
     * Carries out {@code changes}, then the health gate; on any failure puts the previous jars back.
     * The caller has written the journal. A set {@code how} says is applied side by side goes
     * through {@link Handover#replace}, any other in place: stop, update, refresh, start.
     *
     * @param how {@link #decide}'s decision for {@code changes}, taken just before
     * @return empty if applied and healthy, else why it was rolled back
     */
    Optional<Failure> execute(List<Change> changes, Handover.Decision how, StageListener stages)
            throws InterruptedException {
        if (how.sideBySide()) {
            LOG.info("Applying side by side (make-before-break): {}", how.reason());
            return handover.replace(changes.get(0), stages);
        }
        if (how.declared()) {
            LOG.info("Applying in place, not side by side: {}", how.reason());
        }
        List<Bundle> existing = new ArrayList<>();
        for (Change c : changes) {
            if (c.previousJar() != null) {
                ops.find(c.symbolicName()).ifPresent(existing::add);
            }
        }
        HealthGate.Before before = gate.snapshot(existing);
        Optional<Failure> failure;
        try {
            failure = change(changes, false);
            if (failure.isEmpty()) {
                stages.reached(DeployProgress.Stage.HEALTH_GATE, "waiting up to " + gateTimeout.toSeconds()
                        + " s for the components, the health checks and the link");
                failure = gate.await(current(changes), before, gateTimeout, HealthGate.STILL_WAITING_EVERY,
                        waiting -> stages.reached(DeployProgress.Stage.HEALTH_GATE, waiting))
                        .map(f -> new Failure(f.cause(), f.detail()));
            }
        } catch (IOException | BundleException | RuntimeException e) {
            failure = Optional.of(new Failure(classify(e), BundleOps.rootMessage(e)));
        }
        if (failure.isPresent()) {
            LOG.warn("Update failed ({}): {}; putting the previous bundles back", failure.get().cause(),
                    failure.get().detail());
            stages.reached(DeployProgress.Stage.ROLLING_BACK, failure.get().cause() + ": " + failure.get().detail());
            restore(changes);
        }
        return failure;
    }

    /** Told when an apply reaches the health gate or starts to roll back. */
    @FunctionalInterface
    interface StageListener {
        StageListener NONE = (stage, detail) -> { };

        void reached(DeployProgress.Stage stage, String detail);
    }

    /** Puts back the jars {@code changes} replaced and removes what they installed. Best effort, logged. */
    void restore(List<Change> changes) throws InterruptedException {
        List<Change> inverse = new ArrayList<>();
        for (Change c : changes) {
            inverse.add(new Change(c.symbolicName(), c.newJar(), c.previousJar(), c.wasActive()));
        }
        try {
            Optional<Failure> failure = change(inverse, true);
            failure.ifPresent(f -> LOG.error("Rollback left a problem ({}): {}", f.cause(), f.detail()));
            recordInstalled(inverse);
        } catch (IOException | BundleException | RuntimeException e) {
            LOG.error("Rollback failed: {}", BundleOps.rootMessage(e), e);
        }
    }

    /** After a successful apply: remember the content now installed, for the next rollback. */
    void recordInstalled(List<Change> changes) throws IOException {
        for (Change c : changes) {
            Optional<Bundle> b = ops.find(c.symbolicName());
            if (c.newJar() != null) {
                store.recordInstalled(c.symbolicName(), Path.of(c.newJar()), b.map(Bundle::getLastModified).orElse(NOT_INSTALLED));
            } else {
                store.forgetInstalled(c.symbolicName());
            }
        }
    }

    /**
     * At the start after a crash that interrupted the recording of an apply (journal phase
     * {@code COMMITTING}): remembers the content the apply installed without claiming that the
     * framework runs it. The framework cache was cleared at this process start, so the framework
     * runs the factory bundles: recording their modification times (as {@link #recordInstalled}
     * does) would make {@link #reconcile} believe they run the new content and leave the factory
     * jars running until the next restart. Recorded as not yet installed, the content is put back
     * by {@link #reconcile} (if the deploy bundle alone was restarted, the content runs already
     * and {@link #reconcile} updates it with the same jar: one needless restart of that bundle).
     */
    void recordToReapply(List<Change> changes) throws IOException {
        for (Change c : changes) {
            if (c.newJar() != null) {
                store.recordInstalled(c.symbolicName(), Path.of(c.newJar()), NOT_INSTALLED);
            } else {
                store.forgetInstalled(c.symbolicName());
            }
        }
    }

    /**
     * Makes the running bundles those of the sets in effect again. The framework cache is cleared
     * at every process start ({@code bundle/} is the factory set), so after a restart the gateway
     * runs the factory bundles until this puts back the content the deployer keeps for each bundle
     * it installed. Called once at start-up, after any interrupted apply was dealt with.
     */
    void reconcile() throws IOException, InterruptedException {
        List<Change> changes = new ArrayList<>();
        for (String name : store.installedNames()) {
            Path wanted = store.installedJar(name);
            Optional<Bundle> installed = ops.find(name);
            if (installed.isEmpty()) {
                changes.add(new Change(name, null, wanted.toString(), false));
                continue;
            }
            Bundle bundle = installed.get();
            if (store.installedContent(name, bundle.getLastModified()).isPresent()) {
                continue; // the framework kept what the deployer installed
            }
            Optional<Path> factory = BundleOps.locationFile(bundle);
            if (factory.isPresent() && Digests.sha256Hex(factory.get()).equals(Digests.sha256Hex(wanted))) {
                store.recordInstalled(name, wanted, bundle.getLastModified());
                continue;
            }
            changes.add(new Change(name, wanted.toString(), wanted.toString(), isActive(bundle)));
        }
        if (changes.isEmpty()) {
            return;
        }
        LOG.info("Re-applying the sets in effect over the factory bundles: {}", changes.stream()
                .map(Change::symbolicName).toList());
        try {
            change(changes, false).ifPresent(f -> LOG.error("The sets in effect could not all be re-applied ({}): {};"
                    + " see 'palisade:deploy list' and roll back", f.cause(), f.detail()));
        } catch (BundleException | RuntimeException e) {
            LOG.error("The sets in effect could not be re-applied: {}", BundleOps.rootMessage(e), e);
        }
        recordInstalled(changes);
    }

    private Optional<Failure> change(List<Change> changes, boolean restoring)
            throws IOException, BundleException, InterruptedException {
        for (Change c : changes) {
            Optional<Bundle> b = ops.find(c.symbolicName());
            if (b.isPresent() && !BundleOps.isFragment(b.get())) {
                BundleOps.stopTransient(b.get());
            }
        }
        List<Bundle> touched = new ArrayList<>();
        for (Change c : changes) {
            Optional<Bundle> b = ops.find(c.symbolicName());
            String what;
            if (c.newJar() == null) {
                if (b.isEmpty()) {
                    continue;
                }
                b.get().uninstall();
                touched.add(b.get());
                what = "uninstalled";
            } else if (b.isPresent()) {
                BundleOps.update(b.get(), Path.of(c.newJar()));
                touched.add(b.get());
                what = "updated";
            } else {
                touched.add(ops.install(c.symbolicName(), Path.of(c.newJar())));
                what = "installed";
            }
            LOG.info("{} {}: {}", restoring ? "Restoring" : "Changing", c.symbolicName(), what);
        }
        List<String> refreshErrors = ops.refresh(touched);
        List<Bundle> live = current(changes);
        List<String> unresolved = new ArrayList<>();
        if (!ops.resolve(live)) {
            for (Bundle b : live) {
                if (b.getState() == Bundle.INSTALLED) {
                    unresolved.add(resolutionProblem(b));
                }
            }
        }
        if (!unresolved.isEmpty()) {
            return Optional.of(new Failure(RollbackCause.RESOLUTION, String.join("; ", unresolved)));
        }
        for (Change c : changes) {
            if (c.newJar() == null) {
                continue;
            }
            Bundle b = ops.find(c.symbolicName()).orElseThrow();
            if (BundleOps.isFragment(b)) {
                continue;
            }
            boolean installedNew = c.previousJar() == null;
            if (installedNew || c.wasActive()) {
                try {
                    b.start(installedNew ? 0 : Bundle.START_TRANSIENT);
                } catch (BundleException e) {
                    return Optional.of(new Failure(classify(e), c.symbolicName() + " did not start: "
                            + BundleOps.rootMessage(e)));
                }
            }
        }
        if (!refreshErrors.isEmpty()) {
            return Optional.of(new Failure(RollbackCause.ACTIVATION, "bundles depending on the change failed to start"
                    + " again: " + String.join("; ", refreshErrors)));
        }
        return Optional.empty();
    }

    private static String resolutionProblem(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
            b.stop(Bundle.STOP_TRANSIENT);
            return b.getSymbolicName() + " did not resolve";
        } catch (BundleException e) {
            return b.getSymbolicName() + " did not resolve: " + BundleOps.rootMessage(e);
        }
    }

    /** The changed bundles as they are installed now (those a change uninstalled are gone). */
    private List<Bundle> current(Collection<Change> changes) {
        List<Bundle> bundles = new ArrayList<>();
        for (Change c : changes) {
            if (c.newJar() != null) {
                ops.find(c.symbolicName()).ifPresent(bundles::add);
            }
        }
        return bundles;
    }

    static RollbackCause classify(Exception e) {
        if (e instanceof BundleException be) {
            return switch (be.getType()) {
                case BundleException.RESOLVE_ERROR, BundleException.MANIFEST_ERROR,
                        BundleException.DUPLICATE_BUNDLE_ERROR -> RollbackCause.RESOLUTION;
                default -> RollbackCause.ACTIVATION;
            };
        }
        return RollbackCause.ACTIVATION;
    }

    /** @return the jar the installed bundle of that name runs, if the deployer can read it */
    Optional<Path> currentContent(String symbolicName) throws IOException {
        Optional<Bundle> bundle = ops.find(symbolicName);
        return bundle.isEmpty() ? Optional.empty() : currentContent(bundle.get());
    }

    private Optional<Path> currentContent(Bundle bundle) throws IOException {
        return store.installedContent(bundle.getSymbolicName(), bundle.getLastModified())
                .or(() -> BundleOps.locationFile(bundle));
    }

    boolean isInstalled(String symbolicName) {
        return ops.find(symbolicName).isPresent();
    }

    /** @return whether the installed bundle of that name is running now */
    boolean isActive(String symbolicName) {
        return ops.find(symbolicName).map(Applier::isActive).orElse(false);
    }

    private static boolean isActive(Bundle b) {
        return b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING;
    }

    private static String names(List<Bundle> bundles) {
        return String.join(", ", bundles.stream().map(Bundle::getSymbolicName).toList());
    }
}
