package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.Upstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * Issue 3's last fault end to end, in the real distribution: the gateway's token is removed while
 * the link streams the real spool to a real Mosquitto, and put back. The identity goes DOWN with
 * {@code TOKEN_ABSENT} and withdraws its services, the link goes DOWN cleanly (its connection
 * ended, Paho's threads gone, in-flight messages back in the spool, a bounded log), producers keep
 * publishing into the spool; with the token back the identity recovers without a restart, the link
 * reconnects by itself and every message the spool accepted reaches the hub (count and checksum),
 * with duplicates bounded by the in-flight window.
 *
 * <p>The token is "removed" by moving the SoftHSM2 token's object files away and back
 * ({@link UpstreamItFixture#removeTokenObjects()}). One JVM per IT class (Failsafe), so this
 * test's fresh token does not share SoftHSM2 with another IT's.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TokenRemovedLinkIT {

    private static final String GATEWAY = "gw-removed";
    private static final int WINDOW = 64;

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture hub;
    private Producer producer;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-token-removed-it")));
    }

    @After
    public void stop() throws Exception {
        if (producer != null) {
            producer.stop();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    public void tokenRemovedWhileStreamingTakesTheLinkDownCleanlyAndItsReturnDeliversEveryMessage() throws Exception {
        hub = new UpstreamItFixture(context, commands, "token-removed-it");
        int port = hub.startMosquitto();
        // A probe signature every second notices the removal even though TLS does not sign once connected.
        hub.provisionGateway(GATEWAY, "token.check.seconds = 1\ntoken.retry.initial.seconds = 1\ntoken.retry.max.seconds = 2\n");
        Path received = hub.subscribeTelemetry(port, GATEWAY);
        Files.writeString(hub.etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + hub.work.resolve("ca.pem") + "\ninflight.window = " + WINDOW
                + "\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        UpstreamItFixture.await("the link UP", 60, () -> linkState() == LinkState.UP);

        Upstream upstream = hub.service(Upstream.class);
        Spool spool = hub.service(Spool.class);
        assertTrue("the spool's Upstream and Spool services are running", upstream != null && spool != null);
        producer = new Producer(upstream);
        producer.start();
        UpstreamItFixture.await("messages streaming to the hub", 60, () -> UpstreamItFixture.distinct(received) >= 1_000);

        // --- the token goes away ---
        Path log = Path.of(context.getProperty("palisade.data")).resolve("log/palisade.log");
        long logOffset = Files.size(log);
        hub.removeTokenObjects();
        UpstreamItFixture.await("the identity's services withdrawn", 20, () -> hub.service(GatewayIdentity.class) == null);
        HealthReport identity = health("identity");
        assertEquals(identity.toString(), Health.DOWN, identity.health());
        assertEquals(identity.toString(), "TOKEN_ABSENT", identity.details().get("reason"));
        assertTrue(identity.toString(), identity.summary().contains("gone") || identity.summary().contains("is not in"));

        UpstreamItFixture.await("the link DOWN", 20, () -> linkState() == LinkState.DOWN);
        HealthReport upstreamHealth = health("upstream");
        assertEquals(upstreamHealth.toString(), Health.DOWN, upstreamHealth.health());
        assertTrue(upstreamHealth.toString(), upstreamHealth.summary().startsWith("no gateway identity"));
        String shown = GatewayChecks.execute(commands, "palisade:upstream");
        assertTrue(shown, shown.contains("the gateway identity was withdrawn (token removed or identity stopped)"));
        UpstreamItFixture.await("in-flight messages back in the spool", 10, () -> spool.stats().inFlight() == 0);
        UpstreamItFixture.await("Paho's threads gone", 10, () -> liveThreads(GATEWAY).isEmpty());
        Thread.sleep(1_000); // what the hub acknowledged before the end has reached the observer's file
        int atTheHub = UpstreamItFixture.distinct(received);
        long queued = spool.stats().messages();
        long acceptedBefore = producer.accepted.get();
        Thread.sleep(4_000); // several token checks and retries, producers still publishing
        assertEquals("nothing reaches the hub without an identity", atTheHub, UpstreamItFixture.distinct(received));
        assertTrue("producers keep publishing while the link is down", producer.accepted.get() > acceptedBefore + 100);
        long grown = spool.stats().messages() - queued;
        long published = producer.accepted.get() - acceptedBefore;
        // ±2: the producer runs on while the two counters are read.
        assertTrue("what they publish stays in the spool: " + published + " published, the spool grew by " + grown,
                Math.abs(grown - published) <= 2);
        assertEquals(LinkState.DOWN, linkState());
        Thread linkThread = liveThreads("palisade-upstream-link").stream().findFirst()
                .orElseThrow(() -> new AssertionError("the link's thread is gone"));
        assertTrue("the link's thread waits for an identity, it is not stuck: " + linkThread.getState(),
                linkThread.getState() == Thread.State.TIMED_WAITING || linkThread.getState() == Thread.State.WAITING);
        assertTrue("a producer waited " + producer.slowestMillis.get() + " ms for the spool", producer.slowestMillis.get() < 5_000);
        List<String> outageLog = newLines(log, logOffset);
        long stackLines = outageLog.stream().filter(l -> l.startsWith("\tat ")).count();
        long linkLines = outageLog.stream().filter(l -> l.contains("Hub link")).count();
        assertTrue("an exception storm in the log during the outage:\n" + String.join("\n", outageLog),
                stackLines <= 40 && linkLines <= 6 && outageLog.size() <= 80);

        // --- the token comes back ---
        hub.putTokenObjectsBack();
        UpstreamItFixture.await("the identity back without a restart", 30, () -> hub.service(GatewayIdentity.class) != null
                && health("identity").health() != Health.DOWN);
        // Not UP: UpstreamItPki's certificate expires within a day, so the expiry watch says DEGRADED.
        assertTrue(health("identity").toString(), health("identity").details().get("reason") == null);
        UpstreamItFixture.await("the link UP again by itself", 30, () -> linkState() == LinkState.UP);
        Thread.sleep(1_000); // a little more streaming over the new connection
        producer.stop();
        long accepted = producer.accepted.get();
        assertTrue("a publish was refused: " + producer.failure.get(), producer.failure.get() == null);
        UpstreamItFixture.await("every accepted message at the hub", 120, () -> UpstreamItFixture.distinct(received) >= accepted);

        Map<String, Integer> counts = UpstreamItFixture.counts(received);
        long checksum = 0;
        for (long i = 0; i < accepted; i++) {
            assertTrue("message m-" + i + " never reached the hub", counts.containsKey("m-" + i));
            checksum += i;
        }
        long receivedChecksum = counts.keySet().stream().mapToLong(m -> Long.parseLong(m.substring(2))).sum();
        assertEquals("nothing but our messages arrived", accepted, counts.size());
        assertEquals("checksum of the message numbers at the hub", checksum, receivedChecksum);
        int duplicates = UpstreamItFixture.lines(received).size() - counts.size();
        assertTrue("duplicates " + duplicates + " exceed the in-flight window of " + WINDOW, duplicates <= WINDOW);
        UpstreamItFixture.await("the spool empty", 30, () -> spool.stats().messages() == 0);
        System.out.printf("token removed mid-stream: %d messages accepted, all at the hub, %d duplicates, slowest publish %d ms,"
                + " %d log lines during the outage%n", accepted, duplicates, producer.slowestMillis.get(), outageLog.size());
    }

    private LinkState linkState() {
        HubLink link = hub.service(HubLink.class);
        return link == null ? null : link.state();
    }

    private HealthReport health(String component) {
        return hub.services(HealthIndicator.class).stream().map(HealthIndicator::health)
                .filter(r -> r.component().equals(component)).findFirst()
                .orElseThrow(() -> new AssertionError("no health indicator '" + component + "'"));
    }

    private static List<Thread> liveThreads(String nameContains) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().contains(nameContains))
                .toList();
    }

    private static List<String> newLines(Path log, long offset) throws Exception {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                StandardCharsets.UTF_8).lines().toList();
    }

    /** A bus bundle's producer: publishes m-0, m-1, … into the spool about a thousand times a second. */
    private static final class Producer implements Runnable {

        final AtomicLong accepted = new AtomicLong();
        final AtomicLong slowestMillis = new AtomicLong();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Upstream upstream;
        private final Thread thread = new Thread(this, "token-removed-it-producer");
        private volatile boolean running = true;

        Producer(Upstream upstream) {
            this.upstream = upstream;
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }

        @Override
        public void run() {
            for (long i = 0; running; i++) {
                long start = System.nanoTime();
                try {
                    upstream.publish("meter-" + (i % 5), Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8),
                            PublishOptions.priority(5));
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    return;
                }
                accepted.incrementAndGet();
                slowestMillis.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                if (i % 2 == 1) {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }
}
