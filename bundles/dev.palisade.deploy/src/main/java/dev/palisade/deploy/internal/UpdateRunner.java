package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.deploy.UpdateSetInfo;
import dev.palisade.deploy.internal.set.SetRefusedException;
import dev.palisade.deploy.internal.set.UpdateSetVerifier;
import dev.palisade.deploy.internal.set.UpdateSetVerifier.VerifiedSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One update or rollback from start to outcome, on the deployer's worker thread: verify, plan,
 * journal, apply, gate, commit or undo, history. The apply journal makes each step recoverable:
 * {@code APPLYING} at the next start means undo, {@code COMMITTING} means finish.
 */
final class UpdateRunner {
    private static final Logger LOG = LoggerFactory.getLogger(UpdateRunner.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A queued piece of work. */
    interface Task {
        DeployOutcome run() throws Exception;
    }

    /** Makes the verifier with the anchors as configured now. */
    interface VerifierFactory {
        UpdateSetVerifier create() throws IOException;
    }

    private final DeployStore store;
    private final Applier applier;
    private final VerifierFactory verifiers;
    private final Clock clock;

    UpdateRunner(DeployStore store, Applier applier, VerifierFactory verifiers, Clock clock) {
        this.store = store;
        this.applier = applier;
        this.verifiers = verifiers;
        this.clock = clock;
    }

    static String newId(Clock clock) {
        byte[] random = new byte[3];
        RANDOM.nextBytes(random);
        return ID_TIME.format(clock.instant()) + "-" + HexFormat.of().formatHex(random);
    }

    DeployOutcome update(String id, Path staged, DeployOptions options, Instant submitted, DeployProgress progress)
            throws IOException, InterruptedException {
        Instant started = clock.instant();
        Path record = null;
        try {
            VerifiedSet set;
            List<Change> changes;
            try {
                set = verifiers.create().verify(staged, store.work(id), started);
                record = store.newAppliedRecord(id);
                changes = applier.plan(set, options, record);
            } catch (SetRefusedException e) {
                LOG.warn("Update {} refused ({}): {}", id, e.refusal(), e.getMessage());
                return finish(new DeployOutcome(id, DeployStatus.REFUSED, e.refusal(), null, e.getMessage(), null,
                        submitted, started, clock.instant()));
            }
            if (changes.isEmpty()) {
                DeployStore.deleteTree(record);
                return finish(new DeployOutcome(id, DeployStatus.APPLIED, null, null,
                        "nothing to change: every bundle of the set is already installed as signed", set.info(),
                        submitted, started, clock.instant()));
            }
            DeployProgress.report(progress, id, DeployProgress.Stage.VERIFIED, "set " + set.info().sha256()
                    + " signed by " + set.info().publisher().getName() + ": " + summary(changes));
            Properties journal = journal(id, "update", submitted, started, record, set.info(), changes);
            store.writeJournal(journal);
            Handover.Decision how = applier.decide(changes);
            String applying = summary(changes) + (how.sideBySide() ? " side by side" : "");
            LOG.info("Update {} applying {} ({}), signed by {}", id, applying, set.info().sha256(),
                    set.info().publisher().getName());
            DeployProgress.report(progress, id, DeployProgress.Stage.APPLYING, applying);
            Optional<Applier.Failure> failure = applier.execute(changes, how, (stage, detail) ->
                    DeployProgress.report(progress, id, stage, detail));
            if (failure.isPresent()) {
                store.clearJournal();
                DeployStore.deleteTree(record);
                return finish(new DeployOutcome(id, DeployStatus.ROLLED_BACK, null, failure.get().cause(),
                        failure.get().detail(), set.info(), submitted, started, clock.instant()));
            }
            journal.setProperty("phase", "COMMITTING");
            store.writeJournal(journal);
            commitUpdate(record, set.info(), changes);
            DeployOutcome outcome = finish(new DeployOutcome(id, DeployStatus.APPLIED, null, null,
                    "applied " + applying + (how.sideBySide() ? " (" + how.reason() + ")" : ""), set.info(), submitted,
                    started, clock.instant()));
            store.clearJournal();
            return outcome;
        } finally {
            store.discard(id);
        }
    }

    DeployOutcome rollback(String id, Instant submitted) throws IOException, InterruptedException {
        Instant started = clock.instant();
        List<Path> records = store.appliedRecords();
        if (records.isEmpty()) {
            return finish(new DeployOutcome(id, DeployStatus.REFUSED, DeployRefusal.NOTHING_TO_ROLL_BACK, null,
                    "no update set is in effect: the gateway runs the bundles it was installed with", null, submitted,
                    started, clock.instant()));
        }
        Path top = records.get(0);
        UpdateSetInfo set = store.setOf(top);
        Path work = store.work(id);
        List<Change> inverse = new ArrayList<>();
        for (Change c : store.changesOf(top)) {
            Path kept = null;
            if (c.newJar() != null) {
                Optional<Path> current = applier.currentContent(c.symbolicName());
                if (current.isPresent()) {
                    kept = work.resolve(c.symbolicName() + ".jar");
                    Files.copy(current.get(), kept);
                } else if (applier.isInstalled(c.symbolicName())) {
                    throw new IOException("no copy of the running " + c.symbolicName() + " is kept under "
                            + store.root() + ", so a failed rollback could not be undone; nothing was changed");
                }
            }
            inverse.add(new Change(c.symbolicName(), kept == null ? null : kept.toString(), c.previousJar(),
                    applier.isActive(c.symbolicName())));
        }
        try {
            Properties journal = journal(id, "rollback", submitted, started, top, set, inverse);
            store.writeJournal(journal);
            LOG.info("Rollback {} undoing set {}: {}", id, set.sha256(), summary(inverse));
            Optional<Applier.Failure> failure = applier.execute(inverse, Applier.StageListener.NONE);
            if (failure.isPresent()) {
                store.clearJournal();
                return finish(new DeployOutcome(id, DeployStatus.ROLLED_BACK, null, failure.get().cause(),
                        "returning to the previous set failed, set " + set.sha256() + " stays in effect: "
                                + failure.get().detail(), set, submitted, started, clock.instant()));
            }
            journal.setProperty("phase", "COMMITTING");
            store.writeJournal(journal);
            applier.recordInstalled(inverse);
            DeployStore.deleteTree(top);
            DeployOutcome outcome = finish(new DeployOutcome(id, DeployStatus.APPLIED, null, null, "rolled back set "
                    + set.sha256() + "; in effect now: " + describeCurrent(), set, submitted, started, clock.instant()));
            store.clearJournal();
            return outcome;
        } finally {
            store.discard(id);
        }
    }

    /**
     * Finishes or undoes the apply a crash interrupted, then re-applies the sets in effect over the
     * factory bundles the framework started with; before any queued work runs.
     */
    void recover(BundleContext context) {
        try {
            Optional<Properties> found = store.journal();
            if (found.isPresent()) {
                waitForFrameworkStart(context);
                Properties journal = found.get();
                String id = journal.getProperty("id");
                boolean update = "update".equals(journal.getProperty("kind"));
                Path record = Path.of(journal.getProperty("record"));
                List<Change> changes = DeployStore.changes(journal);
                UpdateSetInfo set = Records.set(journal, "set.");
                Instant submitted = Instant.parse(journal.getProperty("submittedAt"));
                Instant started = Instant.parse(journal.getProperty("startedAt"));
                if ("COMMITTING".equals(journal.getProperty("phase"))) {
                    LOG.warn("Update {} was interrupted while it was being recorded; completing it", id);
                    // Not commitUpdate: the framework runs the factory bundles now (Applier.recordToReapply).
                    applier.recordToReapply(changes);
                    if (update) {
                        store.commitAppliedRecord(record, set, changes);
                    } else {
                        DeployStore.deleteTree(record);
                    }
                    finish(new DeployOutcome(id, DeployStatus.APPLIED, null, null, "applied " + summary(changes)
                            + " (its recording was completed at the next start)", set, submitted, started,
                            clock.instant()));
                } else {
                    LOG.warn("{} {} was interrupted by a stop of the gateway; putting the previous bundles back",
                            update ? "Update" : "Rollback", id);
                    applier.restore(changes);
                    if (update) {
                        DeployStore.deleteTree(record);
                    }
                    finish(new DeployOutcome(id, DeployStatus.ROLLED_BACK, null, RollbackCause.INTERRUPTED,
                            "the gateway stopped in the middle of the " + (update ? "update" : "rollback")
                                    + "; the previous bundles were put back at the next start", set, submitted, started,
                            clock.instant()));
                }
                store.clearJournal();
                store.discard(id);
            }
            store.dropUncommittedRecords();
            waitForFrameworkStart(context);
            applier.reconcile();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.error("Could not recover the interrupted update in {}: {}", store.root(), e.toString(), e);
        }
    }

    Optional<UpdateSetInfo> current() {
        List<UpdateSetInfo> applied = applied();
        return applied.isEmpty() ? Optional.empty() : Optional.of(applied.get(0));
    }

    List<UpdateSetInfo> applied() {
        try {
            List<UpdateSetInfo> sets = new ArrayList<>();
            for (Path record : store.appliedRecords()) {
                sets.add(store.setOf(record));
            }
            return sets;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sets in effect under " + store.root(), e);
        }
    }

    private void commitUpdate(Path record, UpdateSetInfo set, List<Change> changes) throws IOException {
        applier.recordInstalled(changes);
        store.commitAppliedRecord(record, set, changes);
    }

    private DeployOutcome finish(DeployOutcome outcome) throws IOException {
        store.addHistory(outcome);
        LOG.info("Update {}: {}{} — {}", outcome.id(), outcome.status(),
                outcome.refusal() != null ? " " + outcome.refusal()
                        : outcome.rollbackCause() != null ? " " + outcome.rollbackCause() : "", outcome.detail());
        return outcome;
    }

    private static Properties journal(String id, String kind, Instant submitted, Instant started, Path record,
            UpdateSetInfo set, List<Change> changes) {
        Properties p = new Properties();
        p.setProperty("id", id);
        p.setProperty("kind", kind);
        p.setProperty("phase", "APPLYING");
        p.setProperty("submittedAt", submitted.toString());
        p.setProperty("startedAt", started.toString());
        p.setProperty("record", record.toString());
        Records.putSet(p, "set.", set);
        DeployStore.putChanges(p, changes);
        return p;
    }

    private String describeCurrent() {
        return current().map(s -> "set " + s.sha256()).orElse("the bundles the gateway was installed with");
    }

    private static String summary(List<Change> changes) {
        List<String> parts = new ArrayList<>();
        for (Change c : changes) {
            parts.add((c.newJar() == null ? "removed " : c.previousJar() == null ? "installed " : "updated ")
                    + c.symbolicName());
        }
        return String.join(", ", parts);
    }

    private static void waitForFrameworkStart(BundleContext context) throws InterruptedException {
        Bundle framework = context.getBundle(0);
        for (int i = 0; i < 600 && framework.getState() != Bundle.ACTIVE; i++) {
            Thread.sleep(100);
        }
    }
}
