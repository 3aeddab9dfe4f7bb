package dev.palisade.hub.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
}
