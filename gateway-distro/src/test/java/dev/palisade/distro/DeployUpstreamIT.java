package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.testkit.TestArchives;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The upstream link bundle replaced through a signed update set while producers publish
 * telemetry at a steady rate, with the hub (a real Mosquitto with mutual TLS, the gateway key on
 * SoftHSM2 — UpstreamIT's fixture) watching: every message arrives, and the longest silence at
 * the hub during the swap is measured against the same run's silence before it. The figures go
 * to {@code target/deploy-gap.txt} for docs/benchmarks.md ({@code bench/deploy/run.sh}); the
 * test asserts zero lost and the link UP, never a time.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployUpstreamIT {
    private static final String GATEWAY = "gw-deploy-it";
    private static final String BASE = "palisade.deploy.upstream.it.base";
    /** One message every this many milliseconds: 500 messages a second. */
    private static final int PERIOD_MS = 2;

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Inject
    private Deployer deployer;

    private UpstreamItFixture hub;
    private Process gapObserver;

    @Configuration
    public Option[] configuration() throws Exception {
        return DeployItTools.distribution("palisade-deploy-up-it", BASE, base -> "health.gate.timeout.seconds=60\nwatch.directory=\n",
                systemProperty("palisade.deploy.gap.report").value(Path.of("target/deploy-gap.txt").toAbsolutePath().toString()));
    }

    @After
    public void stopProcesses() {
        if (gapObserver != null) {
            gapObserver.destroyForcibly();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    public void theLinkBundleIsReplacedUnderLoadAndNoMessageIsLost() throws Exception {
        Path base = Path.of(System.getProperty(BASE));
        hub = new UpstreamItFixture(context, commands, "deploy-up-it");
        int port = hub.startMosquitto();
        hub.provisionGateway(GATEWAY, "");
        Path received = hub.subscribeTelemetry(port, GATEWAY);
        Path arrivals = hub.work.resolve("arrivals.txt");
        gapObserver = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5",
                "-q", "1", "-i", "gap-observer", "--cafile", hub.work.resolve("ca.pem").toString(), "--cert",
                hub.work.resolve("observer.pem").toString(), "--key", hub.work.resolve("observer.key").toString(),
                "-F", "%U %p", "-t", "palisade/v1/" + GATEWAY + "/d/+/telemetry").redirectErrorStream(true)
                .redirectOutput(arrivals.toFile()).start();
        Files.writeString(hub.etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + hub.work.resolve("ca.pem") + "\ninflight.window = 64\nbackoff.min.ms = 20\n"
                + "backoff.max.ms = 2000\n");
        UpstreamItFixture.await("the link UP", 60,
                () -> hub.service(HubLink.class) != null && hub.service(HubLink.class).state() == LinkState.UP);

        String tiny = tinyBundleTimes(base);

        Upstream upstream = hub.service(Upstream.class);
        assertNotNull("the spool's Upstream service", upstream);
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread producer = new Thread(() -> {
            long next = System.nanoTime();
            while (producing.get()) {
                int i = sent.get();
                try {
                    upstream.publish("meter-" + (i % 5), Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8),
                            PublishOptions.priority(5));
                } catch (Exception e) {
                    throw new AssertionError("publish " + i + " failed", e);
                }
                sent.incrementAndGet();
                next += TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "deploy-it-producer");
        producer.start();
        Thread.sleep(4_000); // the baseline window: the same load, no swap

        Path shipped;
        try (Stream<Path> files = Files.list(Path.of(context.getProperty("palisade.home")).resolve("bundle"))) {
            shipped = files.filter(f -> f.getFileName().toString().startsWith("dev.palisade.upstream.mqtt-"))
                    .findFirst().orElseThrow();
        }
        // A release of the link as a publisher would make it: a higher version (so that the deployer
        // installs it beside the running one and the new link takes over, LinkHandover) and one more file.
        Path rebuilt = Files.createDirectories(base.resolve("jars")).resolve("upstream-rebuilt.jar");
        TestArchives.doctor(shipped, rebuilt, e -> {
            e.put("REBUILT.txt", "rebuilt".getBytes(StandardCharsets.UTF_8));
            e.put("META-INF/MANIFEST.MF", TestArchives.withMicroVersionRaised(e.get("META-INF/MANIFEST.MF"), 1));
        });
        Path set = DeployItTools.sign(Path.of(context.getProperty("palisade.home")), base.resolve("keys"),
                "acme-releases", base.resolve("upstream.zip"), rebuilt);

        double swapStart = nowSeconds();
        DeployOutcome outcome = deployer.submit(set, DeployOptions.DEFAULT).toCompletableFuture().get(180, TimeUnit.SECONDS);
        double swapEnd = nowSeconds();
        assertEquals(outcome.toString(), DeployStatus.APPLIED, outcome.status());
        Bundle link = null;
        for (Bundle b : context.getBundles()) {
            if ("dev.palisade.upstream.mqtt".equals(b.getSymbolicName())) {
                link = b;
            }
        }
        assertNotNull("the new link bundle runs", link.getEntry("REBUILT.txt"));
        Thread.sleep(3_000); // the same load after the swap

        // Same-run baseline: the bare framework swap of the same bundle, nothing of the deployer
        // (no verification, journal, kept copies or gate): stop, update, refresh, start, link UP.
        double bareStart = nowSeconds();
        long bareNanos = System.nanoTime();
        link.stop(Bundle.STOP_TRANSIENT);
        try (java.io.InputStream in = Files.newInputStream(shipped)) {
            link.update(in);
        }
        java.util.concurrent.CountDownLatch refreshed = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class)
                .refreshBundles(List.of(link), e -> refreshed.countDown());
        assertTrue(refreshed.await(60, TimeUnit.SECONDS));
        link.start(Bundle.START_TRANSIENT);
        UpstreamItFixture.await("the link UP after the bare swap", 60,
                () -> hub.service(HubLink.class) != null && hub.service(HubLink.class).state() == LinkState.UP);
        long bareMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - bareNanos);
        double bareEnd = nowSeconds();
        Thread.sleep(3_000);

        // Same-run baseline of the side-by-side path: the bare framework's make-before-break, nothing
        // of the deployer — install the newer link beside the running one, start it, wait until it
        // is UP (it takes over: LinkHandover), uninstall and refresh the old one.
        double besideStart = nowSeconds();
        long besideNanos = System.nanoTime();
        Bundle beside;
        try (java.io.InputStream in = Files.newInputStream(rebuilt)) {
            beside = context.installBundle("it:upstream-beside", in);
        }
        beside.start(Bundle.START_TRANSIENT);
        UpstreamItFixture.await("the new link UP beside the old one", 60, () -> LinkBesideSwaps.linkUp(context, beside));
        long besideMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - besideNanos);
        link.uninstall();
        java.util.concurrent.CountDownLatch oldRefreshed = new java.util.concurrent.CountDownLatch(1);
        context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class)
                .refreshBundles(List.of(link), e -> oldRefreshed.countDown());
        assertTrue(oldRefreshed.await(60, TimeUnit.SECONDS));
        double besideEnd = nowSeconds();
        Thread.sleep(3_000);
        assertTrue("the link that took over is still UP", LinkBesideSwaps.linkUp(context, beside));
        producing.set(false);
        producer.join(10_000);
        int total = sent.get();
        UpstreamItFixture.await("every message at the hub", 120, () -> UpstreamItFixture.distinct(received) >= total);
        Map<String, Integer> counts = UpstreamItFixture.counts(received);
        for (int i = 0; i < total; i++) {
            assertTrue("message m-" + i + " of " + total + " never reached the hub", counts.containsKey("m-" + i));
        }
        assertEquals("nothing but our messages arrived", total, counts.size());

        List<Double> times = arrivalTimes(arrivals);
        double baselineGap = longestGap(times, swapStart - 3.5, swapStart);
        double swapGap = longestGap(times, swapStart, swapEnd + 2.0);
        double bareGap = longestGap(times, bareStart, bareEnd + 2.0);
        double besideGap = longestGap(times, besideStart, besideEnd + 2.0);
        String report = tiny + String.format("messages %d (one every %d ms), lost 0, duplicates %d%n"
                + "one-bundle set (the link), submit to APPLIED with the health gate (link UP again): %d ms%n"
                + "  baseline, bare framework swap of the same bundle until the link is UP: %d ms%n"
                + "longest silence at the hub while the deployer replaced the link: %.1f ms%n"
                + "  baseline, during the bare framework swap: %.1f ms%n"
                + "  baseline, during the bare side-by-side swap (install beside, new link UP after %d ms, uninstall"
                + " the old): %.1f ms%n"
                + "  baseline, no swap (the 3.5 s before): %.1f ms%n",
                total, PERIOD_MS, UpstreamItFixture.lines(received).size() - counts.size(),
                java.time.Duration.between(outcome.submittedAt(), outcome.finishedAt()).toMillis(), bareMillis,
                swapGap * 1000, bareGap * 1000, besideMillis, besideGap * 1000, baselineGap * 1000);
        report += linkTimings(Path.of(context.getProperty("palisade.data")).resolve("log/palisade.log"));
        System.out.print(report);
        Files.writeString(Path.of(System.getProperty("palisade.deploy.gap.report")), report);
    }

    /**
     * Where the link's time went in each swap: its own timing lines (one per stop, one per first
     * connection of an instance; docs/upstream.md), in log order — the initial start, then the
     * deployer's swap, then the bare framework swap.
     */
    private static String linkTimings(Path log) throws IOException {
        StringBuilder lines = new StringBuilder("the link's timing lines (initial start, deployer swap, bare swap, bare side-by-side swap):%n");
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf("Hub link: stopped ");
            if (at < 0) {
                at = line.indexOf("Hub link: handed over to ");
            }
            if (at < 0) {
                at = line.indexOf("Hub link: UP ");
                at = at >= 0 && line.contains("after activation") ? at : -1;
            }
            if (at >= 0) {
                // The log's time stamp too: from a stop's line to the next UP line is the whole swap.
                String stamp = line.length() > 24 && line.charAt(4) == '-' ? line.substring(11, 23) + " " : "";
                lines.append("  ").append(stamp).append(line.substring(at).replace("%", "%%")).append("%n");
            }
        }
        return String.format(lines.toString());
    }

    /**
     * The deployer's own cost: a one-bundle set updating a small bundle that nothing depends on,
     * against the bare framework update of the same jars (stop, update, refresh, start). Medians of 5.
     */
    private String tinyBundleTimes(Path base) throws Exception {
        Path home = Path.of(context.getProperty("palisade.home"));
        List<Path> sets = new ArrayList<>();
        List<Path> jars = new ArrayList<>();
        for (int i = 0; i <= 5; i++) {
            Path jar = DeployItTools.bundle(base.resolve("jars"), "it.bench.tiny", "1.0." + i);
            jars.add(jar);
            sets.add(DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("tiny-" + i + ".zip"), jar));
        }
        assertEquals(DeployStatus.APPLIED, deployer.submit(sets.get(0), DeployOptions.DEFAULT).toCompletableFuture()
                .get(60, TimeUnit.SECONDS).status());
        List<Long> deployed = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            DeployOutcome o = deployer.submit(sets.get(i), DeployOptions.DEFAULT).toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertEquals(o.toString(), DeployStatus.APPLIED, o.status());
            deployed.add(java.time.Duration.between(o.submittedAt(), o.finishedAt()).toMillis());
        }
        Bundle bundle = null;
        for (Bundle b : context.getBundles()) {
            if ("it.bench.tiny".equals(b.getSymbolicName())) {
                bundle = b;
            }
        }
        List<Long> bare = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            bundle.stop(Bundle.STOP_TRANSIENT);
            try (java.io.InputStream in = Files.newInputStream(jars.get(i))) {
                bundle.update(in);
            }
            java.util.concurrent.CountDownLatch refreshed = new java.util.concurrent.CountDownLatch(1);
            context.getBundle(0).adapt(org.osgi.framework.wiring.FrameworkWiring.class)
                    .refreshBundles(List.of(bundle), e -> refreshed.countDown());
            assertTrue(refreshed.await(60, TimeUnit.SECONDS));
            bundle.start(Bundle.START_TRANSIENT);
            bare.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        return String.format("one-bundle set, a small bundle nothing depends on, submit to APPLIED (median of 5): %d ms"
                + " (each: %s)%n  baseline, bare framework stop/update/refresh/start of the same jars: %d ms (each: %s)%n",
                median(deployed), deployed, median(bare), bare);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static double nowSeconds() {
        return System.currentTimeMillis() / 1000.0;
    }

    private static List<Double> arrivalTimes(Path arrivals) throws IOException {
        List<Double> times = new ArrayList<>();
        for (String line : Files.readAllLines(arrivals)) {
            int space = line.indexOf(' ');
            if (space > 0) {
                try {
                    times.add(Double.parseDouble(line.substring(0, space)));
                } catch (NumberFormatException e) {
                    // a line of mosquitto_sub's own output, not a message
                }
            }
        }
        return times;
    }

    private static double longestGap(List<Double> times, double from, double to) {
        double longest = 0;
        Double previous = null;
        for (double t : times) {
            if (t < from) {
                previous = t;
                continue;
            }
            if (previous != null) {
                longest = Math.max(longest, Math.min(t, to) - previous);
            }
            if (t > to) {
                break;
            }
            previous = t;
        }
        return longest;
    }
}
