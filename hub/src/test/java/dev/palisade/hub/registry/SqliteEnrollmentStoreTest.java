package dev.palisade.hub.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.registry.EnrollmentStore.Challenge;
import dev.palisade.hub.registry.EnrollmentStore.Consumption;

/** Challenges are single use across handles (as across hub processes), relations have one parent. */
class SqliteEnrollmentStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-21T20:00:00Z");

    @TempDir
    Path dir;

    private static Challenge challenge(int id, String gateway, String child, Instant expires) {
        byte[] enrollment = new byte[16];
        enrollment[0] = (byte) id;
        return new Challenge(enrollment, gateway, child, "relay", new byte[32], new byte[] {1, 2, 3}, expires);
    }

    @Test
    void twoHandlesRacingForOneChallengeConsumeItOnce() throws Exception {
        Path file = dir.resolve("registry.db");
        try (SqliteHubRegistry registry = SqliteHubRegistry.open(file);
                SqliteEnrollmentStore a = SqliteEnrollmentStore.open(file);
                SqliteEnrollmentStore b = SqliteEnrollmentStore.open(file)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int round = 1; round <= 20; round++) {
                    Challenge ch = challenge(round, "gw-1", "c-" + round, T0.plusSeconds(60));
                    a.openChallenge(ch, T0.minusSeconds(86_400));
                    List<Future<Consumption>> results = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        SqliteEnrollmentStore handle = i % 2 == 0 ? a : b;
                        Callable<Consumption> consume = () -> handle.consume(ch.enrollment(), "gw-1", ch.child()).outcome();
                        results.add(pool.submit(consume));
                    }
                    int consumed = 0;
                    for (Future<Consumption> f : results) {
                        Consumption c = f.get();
                        assertTrue(c == Consumption.CONSUMED || c == Consumption.ALREADY_USED, String.valueOf(c));
                        consumed += c == Consumption.CONSUMED ? 1 : 0;
                    }
                    assertEquals(1, consumed, "round " + round);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aChallengeBelongsToItsGatewayAndChildAndANewOneVoidsTheOld() throws Exception {
        try (SqliteEnrollmentStore s = SqliteEnrollmentStore.open(dir.resolve("registry.db"))) {
            Challenge first = challenge(1, "gw-1", "c", T0.plusSeconds(60));
            s.openChallenge(first, T0.minusSeconds(86_400));
            assertEquals(Consumption.UNKNOWN, s.consume(first.enrollment(), "gw-2", "c").outcome(), "another gateway");
            assertEquals(Consumption.UNKNOWN, s.consume(first.enrollment(), "gw-1", "d").outcome(), "another child");
            Challenge second = challenge(2, "gw-1", "c", T0.plusSeconds(90));
            s.openChallenge(second, T0.minusSeconds(86_400));
            assertEquals(Consumption.UNKNOWN, s.consume(first.enrollment(), "gw-1", "c").outcome(), "voided by the new one");
            EnrollmentStore.Consumed got = s.consume(second.enrollment(), "gw-1", "c");
            assertEquals(Consumption.CONSUMED, got.outcome());
            assertEquals(T0.plusSeconds(90), got.challenge().expires());
            // a used challenge stays (to name the replay) until it is purged
            s.openChallenge(challenge(3, "gw-1", "e", T0.plusSeconds(60)), T0.minusSeconds(86_400));
            assertEquals(Consumption.ALREADY_USED, s.consume(second.enrollment(), "gw-1", "c").outcome());
            s.openChallenge(challenge(4, "gw-1", "f", T0.plusSeconds(60)), T0.plusSeconds(100));
            assertEquals(Consumption.UNKNOWN, s.consume(second.enrollment(), "gw-1", "c").outcome(), "purged");
        }
    }

    @Test
    void aChildHasOneParentUntilItIsRemoved() throws Exception {
        try (SqliteEnrollmentStore s = SqliteEnrollmentStore.open(dir.resolve("registry.db"))) {
            assertEquals(Optional.empty(), s.parentOf("c"));
            assertTrue(s.recordChild("gw-1", "c", "relay", new byte[] {1}, T0));
            assertTrue(s.recordChild("gw-1", "c", "custodial", new byte[] {2}, T0), "re-enrollment by the parent");
            assertFalse(s.recordChild("gw-2", "c", "relay", new byte[] {3}, T0));
            assertEquals(Optional.of("gw-1"), s.parentOf("c"));
            assertFalse(s.removeChild("gw-2", "c"), "only the parent removes");
            assertTrue(s.removeChild("gw-1", "c"));
            assertTrue(s.recordChild("gw-2", "c", "relay", new byte[] {3}, T0));
        }
    }

    @Test
    void aBatchIsConsumedAndRecordedInOneGoEachKeyOnce() throws Exception {
        try (SqliteEnrollmentStore s = SqliteEnrollmentStore.open(dir.resolve("registry.db"))) {
            Challenge a = challenge(10, "gw-1", "a", T0.plusSeconds(60));
            Challenge b = challenge(11, "gw-1", "b", T0.plusSeconds(60));
            s.openChallenges(List.of(a, b), T0.minusSeconds(86_400));
            List<EnrollmentStore.Consumed> got = s.consumeAll("gw-1", List.of(new EnrollmentStore.ProofKey(a.enrollment(), "a"),
                    new EnrollmentStore.ProofKey(a.enrollment(), "a"), new EnrollmentStore.ProofKey(b.enrollment(), "x"),
                    new EnrollmentStore.ProofKey(b.enrollment(), "b")));
            assertEquals(List.of(Consumption.CONSUMED, Consumption.ALREADY_USED, Consumption.UNKNOWN, Consumption.CONSUMED),
                    got.stream().map(EnrollmentStore.Consumed::outcome).toList(), "a key named twice is consumed once");
            assertTrue(s.recordChild("gw-2", "b", "relay", new byte[] {9}, T0));
            assertEquals(List.of(true, false), s.recordChildren("gw-1", List.of(
                    new EnrollmentStore.ChildRecord("a", "gw-1", "relay", new byte[] {1}, T0),
                    new EnrollmentStore.ChildRecord("b", "gw-1", "relay", new byte[] {2}, T0))), "b has another parent");
            assertEquals(List.of("a"), s.listChildren("gw-1").stream().map(EnrollmentStore.ChildRecord::child).toList());
            assertEquals(List.of("a", "b"), s.listChildren(null).stream().map(EnrollmentStore.ChildRecord::child).toList());
        }
    }

    @Test
    void revokingACertificateUnenrollsTheChildrenHoldingItAndIsRecordedOnce() throws Exception {
        try (SqliteEnrollmentStore s = SqliteEnrollmentStore.open(dir.resolve("registry.db"))) {
            byte[] leaf = {7, 7, 7};
            s.recordChild("gw-1", "holder", "relay", leaf, T0);
            s.recordChild("gw-1", "other", "relay", new byte[] {8}, T0);
            long before = s.externalChanges();
            EnrollmentStore.RevokedCertificate r = new EnrollmentStore.RevokedCertificate(SqliteEnrollmentStore.thumbprint(leaf),
                    "CN=holder", "CN=ca", "1f", T0);
            assertEquals(List.of("holder"), s.revoke(r).stream().map(EnrollmentStore.ChildRecord::child).toList());
            assertEquals(Optional.empty(), s.parentOf("holder"));
            assertEquals(Optional.of("gw-1"), s.parentOf("other"));
            RegistryException twice = assertThrows(RegistryException.class, () -> s.revoke(r));
            assertEquals(RegistryException.Reason.CONFLICT, twice.reason());
            assertEquals(Set.of(r.thumbprint()), s.revokedAmong(List.of(r.thumbprint(), "00")));
            assertEquals(1, s.listRevoked().size());
            assertEquals(before, s.externalChanges(), "its own commits are not another process's changes");
            try (SqliteEnrollmentStore other = SqliteEnrollmentStore.open(dir.resolve("registry.db"))) {
                assertEquals("gw-1", other.removeChild("other").orElseThrow().gateway());
                assertEquals(Optional.empty(), other.removeChild("other"));
            }
            assertTrue(s.externalChanges() != before, "another connection's commit is seen");
        }
    }

    @Test
    void aChildTableOfTheFirstReleaseGetsItsCaAndNotAfterColumnsAndKeepsItsRows() throws Exception {
        Path file = dir.resolve("old.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); var s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE child (id TEXT PRIMARY KEY, gateway TEXT NOT NULL, mode TEXT NOT NULL,"
                    + " leaf BLOB NOT NULL, enrolled INTEGER NOT NULL)");
            s.executeUpdate("INSERT INTO child VALUES ('old-1', 'gw-1', 'relay', x'01', " + T0.toEpochMilli() + ")");
        }
        try (SqliteEnrollmentStore store = SqliteEnrollmentStore.open(file)) {
            assertEquals(Optional.of(new EnrollmentStore.Relation("gw-1", null, null)), store.relationOf("old-1"),
                    "an old relation: no CA, no notAfter");
            Instant notAfter = T0.plusSeconds(3600);
            store.recordChildren("gw-2", List.of(new EnrollmentStore.ChildRecord("new-1", "gw-2", "relay", new byte[] {2}, T0,
                    "ca-thumbprint", notAfter)));
            assertEquals(Optional.of(new EnrollmentStore.Relation("gw-2", "ca-thumbprint", notAfter)), store.relationOf("new-1"));
            EnrollmentStore.ChildRecord listed = store.listChildren("gw-2").get(0);
            assertEquals("ca-thumbprint", listed.ca());
            assertEquals(notAfter, listed.notAfter());
        }
        try (SqliteEnrollmentStore again = SqliteEnrollmentStore.open(file)) { // opening twice: the columns exist
            assertEquals(2, again.listChildren(null).size());
            again.setDeviceParent("meter-1", "gw-1");
            assertEquals(java.util.Map.of("meter-1", "gw-1"), again.deviceParents());
            again.setDeviceParent("meter-1", null);
            assertTrue(again.deviceParents().isEmpty());
        }
    }
}
