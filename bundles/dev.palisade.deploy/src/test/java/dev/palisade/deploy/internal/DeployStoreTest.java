package dev.palisade.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.deploy.BundleInfo;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.deploy.UpdateSetInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployStoreTest {
    private static final Instant T = Instant.parse("2026-11-21T22:00:00Z");
    private static final UpdateSetInfo SET = new UpdateSetInfo("a".repeat(64),
            new X500Principal("CN=acme, O=Example"), T, List.of(new BundleInfo("com.example.a", "1.0.0", "b".repeat(64))));

    @TempDir
    Path dir;

    @Test
    void historyKeepsTheNewestOutcomesFirstAndSurvivesReopening() throws Exception {
        DeployStore store = new DeployStore(dir, 2);
        DeployOutcome refused = new DeployOutcome("u1", DeployStatus.REFUSED, DeployRefusal.UNSIGNED, null,
                "no signature", null, T, T, T.plusSeconds(1));
        DeployOutcome rolledBack = new DeployOutcome("u2", DeployStatus.ROLLED_BACK, null, RollbackCause.RESOLUTION,
                "x did not resolve: missing y\nsecond line = kept", SET, T, T, T.plusSeconds(2));
        DeployOutcome applied = new DeployOutcome("u3", DeployStatus.APPLIED, null, null, "applied", SET, T, T,
                T.plusSeconds(3));
        store.addHistory(refused);
        store.addHistory(rolledBack);
        store.addHistory(applied);
        assertEquals(List.of(applied, rolledBack), new DeployStore(dir, 2).history(), "newest first, at most 2");
    }

    @Test
    void appliedRecordsAreCommittedAtomicallyAndUncommittedOnesDropped() throws Exception {
        DeployStore store = new DeployStore(dir, 10);
        Path first = store.newAppliedRecord("u1");
        List<Change> changes = List.of(new Change("com.example.a", first.resolve("previous/com.example.a.jar").toString(),
                "staging/new.jar", true), new Change("com.example.b", null, "staging/b.jar", false));
        store.commitAppliedRecord(first, SET, changes);
        Path second = store.newAppliedRecord("u2"); // an apply that never committed (crash)
        assertEquals(List.of(first), store.appliedRecords());
        assertEquals(SET, store.setOf(first));
        assertEquals(changes, store.changesOf(first));
        store.dropUncommittedRecords();
        assertTrue(!Files.exists(second));
        assertTrue(store.newAppliedRecord("u3").getFileName().toString().startsWith("000002-"));
    }

    @Test
    void keptContentIsOnlyTrustedWhileTheBundleWasNotChangedByOthers() throws Exception {
        DeployStore store = new DeployStore(dir, 10);
        Path jar = Files.write(dir.resolve("a.jar"), new byte[] {1, 2, 3});
        store.recordInstalled("com.example.a", jar, 1000L);
        assertEquals(store.installedJar("com.example.a"), store.installedContent("com.example.a", 1000L).orElseThrow());
        assertTrue(store.installedContent("com.example.a", 2000L).isEmpty(), "updated by someone else since");
        assertEquals(List.of("com.example.a"), store.installedNames());
        store.forgetInstalled("com.example.a");
        assertTrue(store.installedNames().isEmpty());
    }

    @Test
    void theJournalRoundTripsItsChanges() throws Exception {
        DeployStore store = new DeployStore(dir, 10);
        Properties journal = new Properties();
        journal.setProperty("id", "u9");
        List<Change> changes = List.of(new Change("a", "/p/a.jar", null, false), new Change("b", null, "/w/b.jar", true));
        DeployStore.putChanges(journal, changes);
        Records.putSet(journal, "set.", SET);
        store.writeJournal(journal);
        Properties read = store.journal().orElseThrow();
        assertEquals(changes, DeployStore.changes(read));
        assertEquals(SET, Records.set(read, "set."));
        store.clearJournal();
        assertTrue(store.journal().isEmpty());
    }
}
