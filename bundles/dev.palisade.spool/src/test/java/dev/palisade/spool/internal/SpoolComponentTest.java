package dev.palisade.spool.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolComponentTest {

    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    @TempDir
    Path data;

    private final Fixtures.MutableClock clock = new Fixtures.MutableClock(T0);

    private SpoolComponent component(Map<String, Object> config) throws Exception {
        return new SpoolComponent(TypedConfigs.of(SpoolComponent.Config.class, config), data, clock);
    }

    @Test
    void publishPutsAChildsMessageUnderItsTopicWithTheDefaultTimeToLive() throws Exception {
        SpoolComponent spool = component(Map.of("default_ttl_seconds", 60L));
        try {
            spool.publish("meter-7", "telemetry", new byte[] {1, 2}, PublishOptions.priority(7));
            spool.publish("meter-7", "status", new byte[] {3}, PublishOptions.DEFAULT.withTimeToLive(Duration.ofHours(1)));
            BundleSpool link = new BundleSpool(spool.journal());
            List<SpoolEntry> entries = link.next(10, key -> true, Duration.ZERO);
            assertEquals("d/meter-7/telemetry", entries.get(0).message().topic());
            assertEquals("meter-7", entries.get(0).message().key());
            assertEquals(T0.plusSeconds(60), entries.get(0).message().expiresAt());
            assertEquals(T0.plusSeconds(3600), entries.get(1).message().expiresAt());
            assertTrue(data.resolve("spool").toFile().isDirectory(), "the journal lives under the data directory");
        } finally {
            spool.deactivate();
        }
    }

    @Test
    void badChildIdsAndSuffixesAreRefusedNamingWhatIsWrong() throws Exception {
        SpoolComponent spool = component(Map.of());
        try {
            IllegalArgumentException slash = assertThrows(IllegalArgumentException.class,
                    () -> spool.publish("a/b", "telemetry", new byte[0], PublishOptions.DEFAULT));
            assertTrue(slash.getMessage().contains("child id 'a/b'"), slash.getMessage());
            IllegalArgumentException cmd = assertThrows(IllegalArgumentException.class,
                    () -> spool.publish("a", "cmd/write", new byte[0], PublishOptions.DEFAULT));
            assertTrue(cmd.getMessage().contains("reserved for commands"), cmd.getMessage());
            IllegalArgumentException wildcard = assertThrows(IllegalArgumentException.class,
                    () -> spool.publish("a", "tele/#", new byte[0], PublishOptions.DEFAULT));
            assertTrue(wildcard.getMessage().contains("d/a/tele/#"), wildcard.getMessage());
        } finally {
            spool.deactivate();
        }
    }

    @Test
    void whenABundleLetsGoOfTheSpoolItsInFlightMessagesAreQueuedAgain() throws Exception {
        SpoolComponent spool = component(Map.of());
        try {
            for (int i = 0; i < 5; i++) {
                spool.publish("m", "telemetry", new byte[] {(byte) i}, PublishOptions.DEFAULT);
            }
            BundleSpool oldLink = new BundleSpool(spool.journal());
            List<SpoolEntry> taken = oldLink.next(5, key -> true, Duration.ZERO);
            oldLink.ack(taken.get(0).sequence());
            assertEquals(4, oldLink.stats().inFlight());
            oldLink.deactivate(); // the link bundle is stopped for an update
            BundleSpool newLink = new BundleSpool(spool.journal());
            List<SpoolEntry> again = newLink.next(10, key -> true, Duration.ZERO);
            assertEquals(taken.subList(1, 5).stream().map(SpoolEntry::sequence).toList(),
                    again.stream().map(SpoolEntry::sequence).toList());
        } finally {
            spool.deactivate();
        }
    }

    @Test
    void healthShowsTheStatisticsAndTurnsDegradedNearTheBound() throws Exception {
        SpoolComponent spool = component(Map.of("max_messages", 5L, "overflow", JournalSettings.OverflowPolicy.REFUSE));
        try {
            HealthReport empty = spool.health();
            assertEquals(Health.UP, empty.health());
            assertEquals("0 message(s) queued", empty.summary());
            assertEquals("0 of 5 messages (0 in flight)", empty.details().get("depth"));
            assertTrue(empty.details().get("policy").contains("EVERY_MESSAGE"), empty.details().toString());
            for (int i = 0; i < 4; i++) {
                spool.publish("m", "telemetry", new byte[10], PublishOptions.DEFAULT);
            }
            clock.advance(Duration.ofSeconds(90));
            HealthReport full = spool.health();
            assertEquals(Health.DEGRADED, full.health());
            assertEquals("40 of 67108864", full.details().get("bytes"));
            assertEquals("PT1M30S", full.details().get("oldest"));
            assertEquals("0", full.details().get("dropped"));
            assertEquals("0", full.details().get("expired"));
            spool.publish("m", "telemetry", new byte[10], PublishOptions.DEFAULT);
            UpstreamException refused = assertThrows(UpstreamException.class,
                    () -> spool.publish("m", "telemetry", new byte[10], PublishOptions.DEFAULT));
            assertEquals(UpstreamException.Reason.SPOOL_FULL, refused.reason());
        } finally {
            spool.deactivate();
        }
    }

    @Test
    void deactivationStopsTheThreadAndTheDataStaysForTheNextActivation() throws Exception {
        SpoolComponent first = component(Map.of());
        first.publish("m", "telemetry", "kept".getBytes(), PublishOptions.DEFAULT);
        first.deactivate();
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("palisade-spool")),
                "the spool's thread stops on deactivation");
        UpstreamException closed = assertThrows(UpstreamException.class,
                () -> first.publish("m", "telemetry", new byte[1], PublishOptions.DEFAULT));
        assertEquals(UpstreamException.Reason.CLOSED, closed.reason());
        SpoolComponent second = component(Map.of());
        try {
            List<SpoolEntry> entries = new BundleSpool(second.journal()).next(10, key -> true, Duration.ZERO);
            assertEquals(List.of("kept"), Fixtures.texts(entries));
            assertNull(second.journal().failure());
        } finally {
            second.deactivate();
        }
    }

    @Test
    void thePublishCommandAnswersOneSequencePerAcceptedMessageAndNamesTheFirstRefusedOne() throws Exception {
        SpoolComponent spool = component(Map.of("max_messages", 3L, "overflow", JournalSettings.OverflowPolicy.REFUSE));
        try {
            SpoolCommand command = new SpoolCommand(spool);
            String answer = command.spool("publish", "meter-1", "telemetry", "one", "two");
            List<String> lines = answer.lines().toList();
            assertEquals(2, lines.size(), answer);
            assertTrue(lines.get(0).matches("accepted \\d+") && lines.get(1).matches("accepted \\d+"), answer);
            List<SpoolEntry> held = new BundleSpool(spool.journal()).next(10, key -> true, Duration.ZERO);
            assertEquals("one", new String(held.get(0).message().payload(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("d/meter-1/telemetry", held.get(1).message().topic());
            assertEquals("accepted " + held.get(1).sequence(), lines.get(1));

            UpstreamException full = assertThrows(UpstreamException.class,
                    () -> command.spool("publish", "meter-1", "telemetry", "three", "four"));
            assertTrue(full.getMessage().startsWith("message 2 of 2 not accepted (1 before it were): the spool is full"),
                    full.getMessage());
            assertThrows(IllegalArgumentException.class, () -> command.spool("publish", "meter-1", "telemetry"));
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> command.spool("peek", "5", "x"));
            assertTrue(unknown.getMessage().contains("unknown action 'peek'"), unknown.getMessage());
        } finally {
            spool.deactivate();
        }
    }
}
