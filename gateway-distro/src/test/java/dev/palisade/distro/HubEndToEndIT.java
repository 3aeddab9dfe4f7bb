package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.SpoolStats;
import dev.palisade.api.upstream.Upstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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
import dev.palisade.testkit.TestArchives;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The hub link in the real distribution against the project's reference hub ({@code hub/},
 * docs/hub.md), set up as an integrator would: the hub started with {@code palisade-hub start},
 * a CA registered by proof of possession ({@code ca upload}, {@code bin/palisade pki
 * verification}, {@code ca verify}), the gateway registered under it ({@code device add
 * --gateway --ca-chain}), the gateway key on a fresh SoftHSM2 token provisioned with
 * {@code palisade:identity init/csr/install}, and the link trusting the hub's generated test CA.
 *
 * <p>What it proves: the link comes UP and the spool drains to the hub; the hub killed with
 * SIGKILL mid-stream and restarted loses nothing the spool accepted; the link replaced side by
 * side mid-stream (a newer link takes over, LinkHandover) loses nothing either, against HiveMQ; a
 * gateway removed at the hub is disconnected, the link says why, and messages stay in the spool.
 *
 * <p>The hub offers no way to watch what it received (a gateway may only subscribe under its own
 * topics and the hub has no observer), so "arrived" here means "acknowledged by the hub with
 * PUBACK", the point where the gateway lets go of a message. Payload content at a subscriber is
 * covered by UpstreamIT against Mosquitto.
 *
 * <p>The hub runs in its strict mode: the gateway enrolls its children ({@code meter-0} to
 * {@code meter-4}, relay devices registered by the test with software keys under a device CA the
 * hub verified) before their telemetry leaves the spool; EnrollIT covers enrollment itself.
 *
 * <p>Needs the hub built (the reactor builds the hub module first), the Debian package softhsm2
 * and {@code SOFTHSM2_CONF} set by Failsafe; a missing one fails the test naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HubEndToEndIT {

    private static final String GATEWAY = "gw-hub-it";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private ReferenceHub hub;
    private UpstreamItFixture fixture;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-hub-it")),
                DeployItTools.testArchivesBundle());
    }

    @After
    public void stopHub() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    public void linkDrainsTheSpoolToTheReferenceHubSurvivesItsCrashAndReportsARemovedRegistration() throws Exception {
        // Shared with the Mosquitto ITs: the test PKI and the gateway provisioned on a fresh SoftHSM2 token.
        fixture = new UpstreamItFixture(context, commands, "hub-it");
        Path etc = fixture.etc;
        Path work = fixture.work;
        hub = new ReferenceHub(work.resolve("hub"));
        Path hubData = hub.data;
        int port = UpstreamItFixture.freePort();
        hub.ok("start", "--port", String.valueOf(port));

        // The CA registered by proof of possession, the gateway under it.
        UpstreamItPki pki = fixture.pki;
        pki.writeCa(work.resolve("ca.pem"), work.resolve("ca.key"));
        hub.registerVerifiedCa("it-ca", work.resolve("ca.pem"), work.resolve("ca.key"));
        hub.ok("device", "add", GATEWAY, "--gateway", "--ca-chain");

        fixture.provisionGateway(GATEWAY, "");

        // The children, relay devices under a verified device CA, enrolled by the gateway (docs/enrollment.md).
        EnrollItPki devices = new EnrollItPki("hub-it-device-ca");
        Files.createDirectories(work.resolve("devices"));
        devices.writeCa(work.resolve("devices/ca.pem"), work.resolve("devices/ca.key"));
        hub.registerVerifiedCa("device-ca", work.resolve("devices/ca.pem"), work.resolve("devices/ca.key"));
        // The gateway is of another CA: the device CA's parent policy names it (docs/hub.md).
        hub.ok("ca", "parents", "device-ca", "--gateways", GATEWAY);
        for (int i = 0; i < 5; i++) {
            EnrollItPki.Device device = devices.device("meter-" + i);
            new TestLeafDevice("meter-" + i, new dev.palisade.api.bus.PeerIdentity(device.chain(), "meter-" + i, "hub-it",
                    java.time.Instant.now(), new byte[0]), device.keys().getPrivate()).register(context);
        }
        Files.writeString(etc.resolve("dev.palisade.enroll.cfg"), "hub.id = palisade-hub\nretry.min.seconds = 1\n");

        // 1. Messages published before the link exists are all acknowledged once it is UP.
        Upstream upstream = service(Upstream.class);
        Spool spool = service(Spool.class);
        assertNotNull("the spool's Upstream service is running", upstream);
        assertNotNull("the spool's Spool service is running", spool);
        int first = 2_000;
        publish(upstream, 0, first);
        assertEquals(first, spool.stats().messages());
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + hubData.resolve("server/hub-test-ca.cer")
                + "\ninflight.window = 64\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        // The hub re-reads its truststore every ~10 s: the first attempts may be refused.
        await("the link UP against the hub", 90, () -> linkState() == LinkState.UP);
        await("the spool drained to the hub", 60, () -> spool.stats().messages() == 0);
        assertTrue(upstreamShown(), counter("acknowledged") >= first);
        String shown = upstreamShown();
        assertTrue(shown, shown.startsWith("state:          UP"));
        assertTrue(shown, shown.contains("refused by hub 0"));
        assertTrue("the gateway enrolled its children at the hub" + hub.logTail(),
                Files.readString(hubData.resolve("hub.log")).contains("gateway '" + GATEWAY + "': child 'meter-4' enrolled (relay)"));

        // 2. The hub SIGKILLed mid-stream while producers keep publishing, then restarted.
        // The producer runs until 1,000 messages after the kill, so the kill is mid-stream however fast the box is.
        AtomicInteger produced = new AtomicInteger(first);
        AtomicInteger producedAtKill = new AtomicInteger(Integer.MAX_VALUE - 1_000);
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                for (int i = first; i < producedAtKill.get() + 1_000; i++) {
                    publish(upstream, i, i + 1);
                    produced.incrementAndGet();
                    if (i % 20 == 0) {
                        Thread.sleep(5);
                    }
                }
            } catch (Throwable e) {
                producerFailure.set(e);
            }
        }, "hub-it-producer");
        producer.start();
        await("acknowledgements flowing again", 60, () -> counter("acknowledged") >= first + 500);
        long pid = Long.parseLong(Files.readString(hubData.resolve("hub.pid")).strip());
        ProcessHandle hubProcess = ProcessHandle.of(pid)
                .orElseThrow(() -> new AssertionError("the hub's pid " + pid + " (hub.pid) is not running"));
        producedAtKill.set(produced.get());
        assertTrue("kill -KILL " + pid, hubProcess.destroyForcibly()); // SIGKILL: no clean broker shutdown
        hubProcess.onExit().get(10, TimeUnit.SECONDS);
        await("the link no longer UP after the hub died", 30, () -> linkState() != LinkState.UP);
        await("upstream health DEGRADED", 10, () -> upstreamHealth().health() == Health.DEGRADED);
        Thread.sleep(2_000); // a few refused reconnects, while messages pile up in the spool
        assertTrue("messages wait in the spool while the hub is down", spool.stats().messages() > 0);
        hub.ok("start", "--port", String.valueOf(port));
        producer.join(TimeUnit.SECONDS.toMillis(120));
        assertEquals("every publish accepted by the spool", null, producerFailure.get());
        int second = produced.get() - first;
        assertTrue("the producer kept publishing while the hub was dead", produced.get() >= producedAtKill.get() + 1_000);
        await("the link UP again after the hub restarted", 60, () -> linkState() == LinkState.UP);
        await("every message the spool accepted acknowledged by the hub", 120, () -> spool.stats().messages() == 0);
        SpoolStats stats = spool.stats();
        assertEquals("nothing dropped by the spool", 0, stats.dropped());
        assertEquals("nothing expired in the spool", 0, stats.expired());
        assertTrue(upstreamShown(), counter("acknowledged") >= first + second);
        assertTrue(upstreamShown(), upstreamShown().contains("refused by hub 0"));

        // 2b. The link replaced side by side (LinkHandover) mid-stream, against the reference hub's
        // HiveMQ (several connection threads, unlike Mosquitto): nothing lost, and the new link
        // took over instead of just taking the session at the broker.
        int swapFrom = first + second;
        int swapped = 1_000;
        Thread swapProducer = new Thread(() -> {
            try {
                for (int i = swapFrom; i < swapFrom + swapped; i++) {
                    publish(upstream, i, i + 1);
                    if (i % 20 == 0) {
                        Thread.sleep(5);
                    }
                }
            } catch (Throwable e) {
                producerFailure.set(e);
            }
        }, "hub-it-swap-producer");
        swapProducer.start();
        await("messages flowing during the swap", 30, () -> spool.stats().messages() > 0 || !swapProducer.isAlive());
        Bundle old = null;
        for (Bundle b : context.getBundles()) {
            if ("dev.palisade.upstream.mqtt".equals(b.getSymbolicName())) {
                old = b;
            }
        }
        assertNotNull("the link bundle", old);
        Path newer = work.resolve("upstream-newer.jar");
        TestArchives.doctor(Path.of(java.net.URI.create(old.getLocation().replaceFirst("^reference:", ""))), newer,
                e -> e.put("META-INF/MANIFEST.MF", TestArchives.withMicroVersionRaised(e.get("META-INF/MANIFEST.MF"), 1)));
        Bundle beside = context.installBundle(newer.toUri().toString());
        beside.start();
        await("the newer link UP beside the old one", 60, () -> LinkBesideSwaps.linkUp(context, beside));
        old.uninstall();
        java.util.concurrent.CountDownLatch refreshed = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class)
                .refreshBundles(java.util.List.of(old), event -> refreshed.countDown());
        assertTrue("the old link refreshed away", refreshed.await(60, TimeUnit.SECONDS));
        swapProducer.join(TimeUnit.SECONDS.toMillis(60));
        assertEquals("every publish accepted by the spool", null, producerFailure.get());
        await("every message of the swap acknowledged by the hub", 120, () -> spool.stats().messages() == 0);
        assertEquals("nothing dropped by the spool", 0, spool.stats().dropped());
        String gatewayLog = Files.readString(Path.of(context.getProperty("palisade.data")).resolve("log/palisade.log"));
        assertTrue("the newer link took over from the old one",
                gatewayLog.contains("Hub link: handed over to dev.palisade.upstream.mqtt " + beside.getVersion()));
        assertEquals(LinkState.UP, linkState());

        // 3. The gateway's registration removed at the hub: disconnected, refused, messages kept.
        hub.ok("device", "remove", GATEWAY);
        await("the link dropped after its registration was removed", 20, () -> linkState() != LinkState.UP);
        int third = 100;
        publish(upstream, first + second, first + second + third);
        Thread.sleep(5_000); // several reconnect attempts, each refused
        assertTrue("the link must not come UP without a registration", linkState() != LinkState.UP);
        assertEquals("the messages stay in the spool", third, spool.stats().messages());
        String refused = upstreamShown();
        assertTrue("the link should say the hub refused it (CONNACK 0x87): " + refused,
                refused.contains("last error:     cannot connect to ssl://127.0.0.1:" + port + ": Not authorized"));
        String hubLog = Files.readString(hubData.resolve("hub.log"));
        assertTrue("the hub should log why it dropped the gateway" + hub.logTail(),
                hubLog.contains("gateway '" + GATEWAY + "' disconnected: no device is registered for the client certificate"));
        assertTrue("the hub should have accepted the gateway before and after its restart" + hub.logTail(),
                hubLog.split("gateway '" + GATEWAY + "' connected", -1).length - 1 >= 2);
        HealthReport health = upstreamHealth();
        assertEquals(health.toString(), Health.DEGRADED, health.health());
    }

    // --- the gateway ---

    private static void publish(Upstream upstream, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            upstream.publish("meter-" + (i % 5), Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8),
                    PublishOptions.priority(5));
        }
    }

    private LinkState linkState() {
        HubLink link = service(HubLink.class);
        return link == null ? null : link.state();
    }

    private HealthReport upstreamHealth() {
        ServiceTracker<HealthIndicator, HealthIndicator> tracker = new ServiceTracker<>(context, HealthIndicator.class, null);
        tracker.open();
        try {
            for (Object indicator : tracker.getServices() == null ? new Object[0] : tracker.getServices()) {
                HealthReport report = ((HealthIndicator) indicator).health();
                if ("upstream".equals(report.component())) {
                    return report;
                }
            }
            throw new AssertionError("no upstream health indicator");
        } finally {
            tracker.close();
        }
    }

    private long counter(String name) {
        String value = upstreamHealth().details().get(name);
        return value == null ? -1 : Long.parseLong(value);
    }

    private String upstreamShown() {
        try {
            return GatewayChecks.execute(commands, "palisade:upstream");
        } catch (Exception e) {
            throw new AssertionError("palisade:upstream failed", e);
        }
    }

    // --- helpers ---

    private <T> T service(Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            return tracker.getService();
        } finally {
            tracker.close();
        }
    }

    /** Waits for {@code condition}; on time-out, says what the link and the hub last reported. */
    private void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String link;
                try {
                    link = GatewayChecks.execute(commands, "palisade:upstream");
                } catch (Exception e) {
                    link = "(palisade:upstream failed: " + e + ")";
                }
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "\n" + link
                        + hub.logTail());
            }
            Thread.sleep(100);
        }
    }

}
