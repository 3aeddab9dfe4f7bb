package dev.palisade.upstream.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.upstream.CommandHandler;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link component against a real Mosquitto 2 with mutual TLS, the gateway's key on a SoftHSM2
 * token and BCJSSE: outages, a broker killed mid-stream, refused certificates, commands and
 * requests. Messages carry their sequence number; the observer counts and sums them.
 */
class LinkAgainstMosquittoTest {

    private static final TestPki PKI = new TestPki("link-test-ca");
    private static final String ROOT = "palisade/v1/gw-test/";

    @TempDir
    Path dir;

    private MqttLinkComponent link;
    private Mosquitto broker;
    private Observer observer;

    @AfterEach
    void stop() throws Exception {
        if (link != null) {
            link.deactivate();
        }
        if (observer != null) {
            observer.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private MqttLinkComponent link(Mosquitto hub, MemorySpool spool, Map<String, Object> extra) {
        return link(hub, spool, extra, OlderLinks.NONE);
    }

    private MqttLinkComponent link(Mosquitto hub, MemorySpool spool, Map<String, Object> extra, OlderLinks older) {
        Map<String, Object> config = new HashMap<>(Map.of("hub.uri", hub.uri(),
                "hub.trust.anchors", TestPki.writePem(dir.resolve("hub-anchors.pem"), PKI.ca).toString(),
                "backoff.min.ms", 200L, "backoff.max.ms", 1_000L, "inflight.window", 64));
        config.putAll(extra);
        MqttLinkComponent component = new MqttLinkComponent(Configs.link(config), null, older, "the successor under test");
        component.bindForTest(SoftHsmGateway.get(PKI), spool, null);
        return component;
    }

    private static void await(String what, long seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Mosquitto.sleep(20);
        }
    }

    private static MemorySpool spoolWith(int count) {
        MemorySpool spool = new MemorySpool();
        for (long i = 1; i <= count; i++) {
            spool.add("d/meter-" + (i % 7) + "/telemetry", Observer.payload(i, 100), 5);
        }
        return spool;
    }

    private static long expectedChecksum(long count) {
        return count * (count + 1) / 2;
    }

    /** Messages 1..count all reached the hub's observer, each with its own sequence number. */
    private void assertEveryMessageAtTheHub(int count) throws Exception {
        observer.awaitDistinct(count, 10);
        assertEquals(count, observer.distinct());
        assertEquals(expectedChecksum(count), observer.checksum());
    }

    @Test
    void hubDownAtStartThenUpConnectsAndDrainsEverything() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1", "dns:localhost"), 0).start();
        // The observer's session is saved and outlives the broker's outage, like a hub's consumer.
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry", ROOT + "status");
        broker.saveSessions();
        broker.kill();

        MemorySpool spool = spoolWith(5_000);
        link = link(broker, spool, Map.of());
        await("a failed connection attempt", 20, () -> link.stats().connectFailures.get() >= 2);
        assertRetrying(link.state());
        assertEquals(Health.DEGRADED, link.health().health(), link.health().summary());
        assertTrue(link.detail().contains("cannot connect to " + broker.uri()), link.detail());
        // The text docs/upstream.md's table shows for a hub that does not listen.
        assertTrue(link.stats().lastError.contains("Unable to connect to server (32103): Connection refused"),
                link.stats().lastError);
        assertEquals(5_000, spool.depth(), "nothing leaves the spool while the hub is away");
        assertEquals(0, spool.inFlightCount());

        broker.start();
        observer.reconnect();
        await("the link UP", 20, () -> link.state() == LinkState.UP);
        assertEquals(Health.UP, link.health().health());
        observer.awaitDistinct(5_000, 60);
        assertEquals(5_000, observer.distinct());
        assertEquals(expectedChecksum(5_000), observer.checksum());
        await("the spool empty", 10, () -> spool.depth() == 0);
        assertTrue(observer.statuses.contains(new String(LinkLoop.ONLINE, StandardCharsets.UTF_8)), observer.statuses.toString());
    }

    @Test
    void brokerKilledMidStreamLosesNothingAndDuplicatesStayWithinTheWindow() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry");
        broker.saveSessions();
        int count = 30_000;
        MemorySpool spool = spoolWith(count);
        link = link(broker, spool, Map.of());
        await("a third of the messages at the hub", 60, () -> observer.distinct() >= count / 3);
        broker.kill();
        await("the link to notice", 20, () -> link.state() != LinkState.UP);
        await("everything in flight back in the spool", 10, () -> spool.inFlightCount() == 0);
        assertEquals(0, link.inFlight());
        // Every PUBACK the dead broker sent has been processed now (the connection is closed).
        java.util.Set<Long> ackedByTheHubBeforeItDied = java.util.Set.copyOf(spool.ackedSequences);
        Mosquitto.sleep(500);
        broker.start();
        observer.reconnect();
        await("the spool empty", 120, () -> spool.depth() == 0);
        observer.awaitDistinct(count, 5);

        // Mosquitto acknowledges a QoS 1 message before it has written it to its subscriber and
        // persists only on save: what it acknowledged in the instant before the SIGKILL can die
        // with it. That is the hub's durability, not the link's. The link's promise is checked
        // here: every message the hub had not acknowledged was sent again and arrived, and a
        // message is acknowledged to the spool only after the hub's PUBACK.
        java.util.List<Long> missing = java.util.stream.LongStream.rangeClosed(1, count).boxed()
                .filter(s -> !observer.received.containsKey(s)).toList();
        assertTrue(ackedByTheHubBeforeItDied.containsAll(missing), "messages lost that the hub never acknowledged: "
                + missing.stream().filter(s -> !ackedByTheHubBeforeItDied.contains(s)).toList());
        assertTrue(missing.size() <= link.stats().window, "lost at the broker: " + missing.size());
        long window = link.stats().window;
        assertTrue(observer.duplicates() <= window, "duplicates " + observer.duplicates() + " exceed the window " + window);
        assertTrue(link.stats().connects.get() >= 2);
        System.out.printf("broker SIGKILL: %d messages, %d arrived, %d duplicates, %d acknowledged by the broker and"
                + " lost in its crash%n", count, observer.distinct(), observer.duplicates(), missing.size());
    }

    @Test
    void identityWithdrawnMidStreamEndsTheConnectionCleanlyAndItsReturnResumesTheDrain() throws Exception {
        // What the identity bundle does when its token is removed: it unregisters GatewayIdentity.
        // The open connection would keep working (TLS signed only at its handshake); the link
        // must end it anyway, cleanly, and come back when the identity is registered again.
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry", ROOT + "status");
        int count = 30_000;
        MemorySpool spool = spoolWith(count);
        link = link(broker, spool, Map.of());
        SoftHsmGateway identity = SoftHsmGateway.get(PKI);
        await("some messages at the hub", 60, () -> observer.distinct() >= 1_000);

        // As SCR does for a dynamic field reference: the field may be cleared before unbind is called.
        link.bindForTest(null, spool, null);
        link.unbindIdentity(identity);
        await("the link DOWN", 10, () -> link.state() == LinkState.DOWN);
        // The state's detail moves on to "no gateway identity" at once; the last error keeps why the connection ended.
        assertTrue(link.stats().lastError.contains(MqttLinkComponent.IDENTITY_WITHDRAWN), link.stats().lastError);
        assertEquals(Health.DOWN, link.health().health(), link.health().summary());
        assertEquals(MqttLinkComponent.NO_IDENTITY, link.health().summary());
        await("everything in flight back in the spool", 10, () -> spool.inFlightCount() == 0);
        assertTrue(spool.depth() > 0, "the drain stopped with the connection");
        await("the offline status (a clean DISCONNECT, not the will)", 10, () -> !observer.statuses.isEmpty()
                && observer.statuses.get(observer.statuses.size() - 1).contains("offline"));
        await("Paho's threads gone", 10, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().contains("gw-test")));
        int depth = spool.depth();
        Mosquitto.sleep(1_500);
        assertEquals(depth, spool.depth(), "nothing leaves the spool without an identity");
        assertEquals(LinkState.DOWN, link.state(), "no connection attempt without an identity");

        link.bindIdentity(identity);
        await("the link UP again", 20, () -> link.state() == LinkState.UP);
        await("the spool empty", 120, () -> spool.depth() == 0);
        assertEveryMessageAtTheHub(count);
        assertTrue(observer.duplicates() <= link.stats().window,
                "duplicates " + observer.duplicates() + " exceed the window " + link.stats().window);
    }

    /**
     * What a swap of the link bundle does to a link: the old instance is deactivated mid-stream
     * (a prompt DISCONNECT that waits for nothing in flight) and a new instance drains the same
     * spool. Nothing the spool was told is delivered may be missing at the hub, nothing stays in
     * flight, the broker saw a clean DISCONNECT (no will), and duplicates stay within one window.
     */
    @Test
    void aStopMidStreamDisconnectsCleanlyAndANewInstanceDeliversTheRest() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry", ROOT + "status");
        int count = 20_000;
        MemorySpool spool = spoolWith(count);
        link = link(broker, spool, Map.of());
        await("some messages at the hub", 60, () -> observer.distinct() >= 1_000);

        link.deactivate();
        assertEquals(LinkState.DOWN, link.state());
        assertEquals(0, spool.inFlightCount(), "everything in flight acknowledged or back in the spool");
        assertTrue(spool.depth() > 0, "the stop came mid-stream");
        await("the offline status", 10, () -> !observer.statuses.isEmpty()
                && observer.statuses.get(observer.statuses.size() - 1).contains("offline"));
        Mosquitto.sleep(200); // the observer's deliveries of the last acknowledged messages
        for (long acked : spool.ackedSequences) {
            assertTrue(observer.received.containsKey(acked), "message " + acked + " was acknowledged to the spool"
                    + " but never reached the hub");
        }
        String log = broker.log();
        assertTrue(log.contains("Client gw-test disconnected."), "a clean DISCONNECT at the broker: " + log);
        assertTrue(!log.contains("gw-test closed its connection"), "no abrupt close (the will): " + log);

        link = link(broker, spool, Map.of());
        await("the spool empty", 120, () -> spool.depth() == 0);
        assertEveryMessageAtTheHub(count);
        assertTrue(observer.duplicates() <= 64, "duplicates " + observer.duplicates() + " exceed the window of 64");
    }

    /** The older link of a side-by-side replacement, as the registry would give it to a new one. */
    private static OlderLinks olderLink(MqttLinkComponent older, List<String> reports) {
        return new OlderLinks() {
            @Override
            public boolean present() {
                return older.state() != LinkState.DOWN;
            }

            @Override
            public String yieldAll(String successor, Duration settle) throws InterruptedException {
                String report = older.yieldTo(successor, settle);
                reports.add(report);
                return report;
            }
        };
    }

    /**
     * The make-before-break replacement ({@link dev.palisade.api.upstream.LinkHandover}): a new
     * link beside a running one, mid-stream, takes over — the old one settles what it has in
     * flight and DISCONNECTs cleanly, the hub sees no offline status, and every message arrives
     * exactly once (what the old link had acknowledged is not sent again).
     */
    @Test
    void aNewLinkTakesOverFromARunningOneLosingNothingAndSayingNoOffline() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry", ROOT + "status");
        int count = 20_000;
        MemorySpool spool = spoolWith(count);
        MqttLinkComponent old = link(broker, spool, Map.of());
        try {
            await("some messages at the hub", 60, () -> observer.distinct() >= 1_000);
            int statusesBefore = observer.statuses.size();
            List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
            link = link(broker, spool, Map.of(), olderLink(old, reports));
            await("the new link UP", 60, () -> link.state() == LinkState.UP);
            assertTrue(spool.depth() > 0, "the hand-over came mid-stream");

            assertEquals(LinkState.DOWN, old.state());
            assertEquals(Health.DOWN, old.health().health());
            assertTrue(old.health().summary().contains("handed over to the successor under test"), old.health().summary());
            assertEquals(1, reports.size(), reports.toString());
            assertTrue(reports.get(0).startsWith("yielded in "), reports.toString());
            assertEquals(reports.get(0), old.yieldTo("someone else", Duration.ZERO), "a second yield changes nothing");

            await("the spool empty", 120, () -> spool.depth() == 0 && spool.inFlightCount() == 0);
            assertEveryMessageAtTheHub(count);
            assertEquals(0, observer.duplicates(), "what the old link had acknowledged was sent again");
            List<String> statusesAfter = observer.statuses.subList(statusesBefore, observer.statuses.size());
            assertTrue(statusesAfter.stream().noneMatch(status -> status.contains("offline")),
                    "the hub saw the gateway offline during the hand-over: " + statusesAfter);
            assertTrue(statusesAfter.stream().anyMatch(status -> status.contains("online")), statusesAfter.toString());
            String log = broker.log();
            assertTrue(log.contains("Client gw-test disconnected."), "the old link's clean DISCONNECT: " + log);
            assertTrue(!log.contains("gw-test closed its connection"), "no abrupt close (the will): " + log);
            assertTrue(!log.contains("already connected"), "no session taken over at the broker: " + log);
        } finally {
            old.deactivate();
        }
    }

    /**
     * A new link that cannot make its connection (here: it does not trust the hub) never asks the
     * running one to yield: the old link keeps draining, nothing is lost.
     */
    @Test
    void aNewLinkThatCannotConnectLeavesTheRunningOneAlone() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect(ROOT + "d/+/telemetry");
        int count = 5_000;
        MemorySpool spool = spoolWith(count);
        MqttLinkComponent old = link(broker, spool, Map.of());
        try {
            await("the old link UP", 60, () -> old.state() == LinkState.UP);
            List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
            TestPki other = new TestPki("some-other-ca");
            link = link(broker, spool, Map.of("hub.trust.anchors", TestPki.writePem(dir.resolve("other.pem"), other.ca)
                    .toString()), olderLink(old, reports));
            await("the new link's refused connection", 20, () -> link.stats().lastError.contains("is not trusted by"));
            await("the spool empty", 120, () -> spool.depth() == 0 && spool.inFlightCount() == 0);
            assertEquals(LinkState.UP, old.state());
            assertTrue(reports.isEmpty(), "the old link was asked to yield: " + reports);
            assertEveryMessageAtTheHub(count);
        } finally {
            old.deactivate();
        }
    }

    /**
     * An older link that cannot be asked (or does not close its connection in time) keeps the
     * session: the new link never sends CONNECT, which would take it, and says why.
     */
    @Test
    void aNewLinkWhoseOlderLinkCannotYieldDoesNotTakeTheSession() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        int count = 2_000;
        MemorySpool spool = spoolWith(count);
        MqttLinkComponent old = link(broker, spool, Map.of());
        try {
            await("the old link UP", 60, () -> old.state() == LinkState.UP);
            OlderLinks stuck = new OlderLinks() {
                @Override
                public boolean present() {
                    return true;
                }

                @Override
                public String yieldAll(String successor, Duration settle) {
                    throw new IllegalStateException("the older link did not close its connection within 10500 ms");
                }
            };
            link = link(broker, spool, Map.of(), stuck);
            await("the new link's failed attempt", 20, () -> link.stats().lastError.contains("did not close its connection"));
            await("the spool drained by the old link", 120, () -> spool.depth() == 0 && spool.inFlightCount() == 0);
            assertEquals(LinkState.UP, old.state());
            assertEquals(0, link.stats().connects.get(), "the new link connected");
            assertTrue(!broker.log().contains("already connected"), "the session was taken: " + broker.log());
        } finally {
            old.deactivate();
        }
    }

    @Test
    void hostnameMismatchIsRefusedWithAClearErrorAndNothingLeavesTheSpool() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("dns:hub.elsewhere.example"), 0).start();
        MemorySpool spool = spoolWith(100);
        link = link(broker, spool, Map.of());
        await("a refused connection", 20, () -> link.stats().connectFailures.get() >= 1
                && link.stats().lastError.contains("does not name the host"));
        String error = link.stats().lastError;
        assertTrue(error.contains("does not name the host '127.0.0.1'") && error.contains("DNS:hub.elsewhere.example"), error);
        assertRetrying(link.state());
        assertEquals(100, spool.depth());
        assertEquals(0, spool.inFlightCount());
        assertEquals(0, link.stats().published.get());
        assertTrue(UpstreamCommand.render(link, java.time.Instant.now()).contains("does not name the host"));
    }

    @Test
    void hubCertificateFromAnotherCaIsRefused() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0).start();
        MemorySpool spool = spoolWith(10);
        TestPki other = new TestPki("some-other-ca");
        link = link(broker, spool, Map.of("hub.trust.anchors",
                TestPki.writePem(dir.resolve("other.pem"), other.ca).toString()));
        await("a refused connection", 20, () -> link.stats().lastError.contains("is not trusted by"));
        assertTrue(link.stats().lastError.contains("the anchors in " + dir.resolve("other.pem")), link.stats().lastError);
        assertEquals(10, spool.depth());
        assertEquals(0, link.stats().published.get());
    }

    @Test
    void commandsAreAnsweredWithRequestResponseAndRequestsReachTheHub() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 20).start();
        observer = new Observer(broker.uri(), PKI, "hub-observer").connect("hub/replies", ROOT + "enroll/request", ROOT + "status");
        link = link(broker, new MemorySpool(), Map.of());
        CommandHandler echo = (child, command, payload) -> CompletableFuture.completedFuture(
                ("child=" + child + " " + new String(payload, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        link.addCommandHandler(echo, Map.of(CommandHandler.COMMAND, "echo", "service.id", 1L));
        await("the link UP", 20, () -> link.state() == LinkState.UP);
        assertTrue(link.stats().window <= 20 - 1, "window " + link.stats().window + " must stay under Receive Maximum 20");

        command(ROOT + "d/meter-1/cmd/echo", "hello", new byte[] {1, 2, 3});
        command(ROOT + "cmd/reboot", "now", new byte[] {4});
        await("two answers", 20, () -> observer.replies.size() >= 2);
        MqttMessage ok = reply(new byte[] {1, 2, 3});
        assertEquals("child=meter-1 hello", new String(ok.getPayload(), StandardCharsets.UTF_8));
        assertEquals("ok", status(ok));
        MqttMessage unknown = reply(new byte[] {4});
        assertEquals("error", status(unknown));
        assertTrue(new String(unknown.getPayload(), StandardCharsets.UTF_8).contains("unknown command 'reboot'"));

        byte[] answer = link.request("enroll/request", "child-7".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10))
                .toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals("re:child-7", new String(answer, StandardCharsets.UTF_8));

        ExecutionException noOne = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> link.request("nobody/listens", new byte[] {1}, Duration.ofMillis(1500)).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS));
        UpstreamException cause = (UpstreamException) noOne.getCause();
        assertTrue(cause.reason() == UpstreamException.Reason.NO_RESPONDER || cause.reason() == UpstreamException.Reason.TIMEOUT,
                cause.toString());

        link.deactivate();
        link = null;
        await("the offline status", 10, () -> !observer.statuses.isEmpty()
                && observer.statuses.get(observer.statuses.size() - 1).contains("offline"));
        Mosquitto.sleep(300);
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive()
                && (t.getName().startsWith("palisade-upstream") || t.getName().contains("gw-test"))),
                "the link's and Paho's threads stop with the component");
    }

    @Test
    void aLinkThatIsDownFailsRequestsAtOnce() throws Exception {
        broker = new Mosquitto(dir.resolve("broker"), PKI, List.of("ip:127.0.0.1"), 0);
        link = link(broker, new MemorySpool(), Map.of());
        ExecutionException down = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> link.request("enroll/request", new byte[] {1}, Duration.ofSeconds(5)).toCompletableFuture()
                        .get(1, TimeUnit.SECONDS));
        assertEquals(UpstreamException.Reason.LINK_DOWN, ((UpstreamException) down.getCause()).reason());
    }

    private void command(String topic, String body, byte[] correlation) throws Exception {
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic("hub/replies");
        properties.setCorrelationData(correlation);
        observer.client.publish(topic, new MqttMessage(body.getBytes(StandardCharsets.UTF_8), 1, false, properties))
                .waitForCompletion(5_000);
    }

    private MqttMessage reply(byte[] correlation) {
        return observer.replies.stream().filter(m -> java.util.Arrays.equals(m.getProperties().getCorrelationData(), correlation))
                .findFirst().orElseThrow(() -> new AssertionError("no reply with correlation " + java.util.Arrays.toString(correlation)));
    }

    private static String status(MqttMessage message) {
        return message.getProperties().getUserProperties().stream().filter(p -> p.getKey().equals(SessionExchanges.STATUS))
                .map(UserProperty::getValue).findFirst().orElse(null);
    }

    /** Between refused attempts the link is DOWN, or CONNECTING when the next attempt is already under way. */
    private static void assertRetrying(LinkState state) {
        assertTrue(state == LinkState.DOWN || state == LinkState.CONNECTING, "DOWN or CONNECTING, but " + state);
    }
}
