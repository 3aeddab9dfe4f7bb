package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The spool in the real distribution: messages published through {@link Upstream}, some
 * delivered and acknowledged by a stand-in link (this test bundle, through the bundle-scoped
 * {@link Spool}), some left in flight, then the spool bundle itself updated. Afterwards every
 * message not acknowledged is there, exactly once, with its payload; and {@code palisade:spool}
 * and {@code palisade:status} show the statistics.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SpoolIT {

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-spool-it")));
    }

    @Test
    public void nothingAcceptedIsLostWhenTheSpoolBundleIsUpdated() throws Exception {
        Upstream upstream = await(Upstream.class, null);
        Map<Long, byte[]> published = new HashMap<>();
        for (int i = 0; i < 500; i++) {
            byte[] payload = ByteBuffer.allocate(64).putInt(i).putLong(System.nanoTime()).array();
            published.put(upstream.publish("meter-" + (i % 4), Upstream.TELEMETRY, payload,
                    PublishOptions.priority(i % 10)), payload);
        }
        Path journal = Path.of(context.getProperty("palisade.data"), "spool");
        assertTrue("the journal is under the gateway's data directory: " + journal, Files.isDirectory(journal));

        Spool spool = holdSpool(null);
        List<SpoolEntry> first = spool.next(100, key -> true, Duration.ZERO);
        assertEquals(100, first.size());
        assertEquals("the most urgent come first", 9, first.get(0).message().priority());
        Set<Long> acked = new HashSet<>();
        for (SpoolEntry entry : first.subList(0, 50)) {
            spool.ack(entry.sequence()); // delivered to the hub
            acked.add(entry.sequence());
        }
        // The other 50 stay in flight through the update.
        assertEquals(50, spool.stats().inFlight());

        String stats = GatewayChecks.execute(commands, "palisade:spool");
        assertTrue(stats, stats.startsWith("spool UP: 450 message(s) queued"));
        assertTrue(stats, stats.contains("depth: 450 of 200000 messages (50 in flight)"));
        String peek = GatewayChecks.execute(commands, "palisade:spool peek 3");
        assertEquals(peek, 3, peek.strip().split("\n").length);
        assertTrue(peek, peek.startsWith(first.get(50).sequence() + " p8 key=meter-"));
        assertTrue(peek, peek.contains("(in flight)"));

        Bundle bundle = FrameworkUtil.getBundle(upstream.getClass());
        assertEquals("dev.palisade.spool", bundle.getSymbolicName());
        bundle.update();
        Upstream after = await(Upstream.class, upstream);
        assertNotSame("a new spool component after the update", upstream, after);
        UpstreamException closed = null;
        try {
            upstream.publish("meter-0", Upstream.TELEMETRY, new byte[1], PublishOptions.DEFAULT);
        } catch (UpstreamException e) {
            closed = e;
        }
        assertNotNull("the old instance refuses rather than accepting into a closed journal", closed);
        assertEquals(UpstreamException.Reason.CLOSED, closed.reason());

        long later = after.publish("meter-9", Upstream.STATUS, "online".getBytes(), PublishOptions.priority(9));
        assertTrue("sequences keep increasing across the update", later > published.keySet().stream()
                .mapToLong(Long::longValue).max().orElseThrow());

        Spool newSpool = holdSpool(spool);
        List<SpoolEntry> all = new ArrayList<>();
        List<SpoolEntry> batch;
        while (!(batch = newSpool.next(64, key -> true, Duration.ZERO)).isEmpty()) {
            all.addAll(batch);
        }
        Set<Long> seen = new HashSet<>();
        for (SpoolEntry entry : all) {
            assertTrue("delivered once: " + entry.sequence(), seen.add(entry.sequence()));
            if (entry.sequence() == later) {
                assertEquals("d/meter-9/status", entry.message().topic());
                continue;
            }
            assertTrue("message " + entry.sequence() + " was acknowledged before the update",
                    !acked.contains(entry.sequence()));
            assertTrue(Arrays.equals(published.get(entry.sequence()), entry.message().payload()));
        }
        Set<Long> expected = new HashSet<>(published.keySet());
        expected.removeAll(acked);
        expected.add(later);
        assertEquals(expected, seen);
        for (SpoolEntry entry : all) {
            newSpool.ack(entry.sequence());
        }
        assertEquals(0, newSpool.stats().messages());

        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.contains("spool        UP       0 message(s) queued"));
        assertTrue(status, status.contains("depth: 0 of 200000 messages (0 in flight)"));
        assertTrue(status, status.contains("policy: sync EVERY_MESSAGE"));
        assertTrue(GatewayChecks.bundleProblems(context).toString(), GatewayChecks.bundleProblems(context).isEmpty());
    }

    /**
     * Gets the spool as the link does, and keeps it: it is bundle-scoped, and letting go of it
     * (unget) is what returns this bundle's in-flight messages to the queue.
     */
    private Spool holdSpool(Spool not) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            org.osgi.framework.ServiceReference<Spool> reference = context.getServiceReference(Spool.class);
            Spool spool = reference == null ? null : context.getService(reference);
            if (spool != null && spool != not) {
                return spool;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no Spool service (other than the old one) within 20 s");
    }

    /** Waits for a service other than {@code not}. */
    private <T> T await(Class<T> type, T not) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                T service = tracker.getService();
                if (service != null && service != not) {
                    return service;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no " + type.getSimpleName() + " service (other than the old one) within 20 s");
        } finally {
            tracker.close();
        }
    }
}
