package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The hub link in the real distribution: the gateway key made on a fresh SoftHSM2 token through
 * {@code palisade:identity init/csr/install}, the real spool, the link bundle, and a real
 * Mosquitto 2 with mutual TLS. Messages published through {@link Upstream} reach a
 * {@code mosquitto_sub} observer; the link bundle is stopped and updated mid-stream while
 * producers keep publishing, and every message still arrives (count and content).
 *
 * <p>Needs the Debian packages mosquitto, mosquitto-clients and softhsm2, and
 * {@code SOFTHSM2_CONF} in the test JVM's environment (set by Failsafe); a missing one fails
 * the test naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UpstreamIT {

    private static final String GATEWAY = "gw-it";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture hub;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-upstream-it")));
    }

    @After
    public void stopProcesses() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    public void linkDrainsTheSpoolToMosquittoAndLosesNothingWhenItsBundleIsStoppedAndUpdated() throws Exception {
        hub = new UpstreamItFixture(context, commands, "upstream-it");
        Path etc = hub.etc;
        Path work = hub.work;
        int port = hub.startMosquitto();
        // The gateway's key on a fresh SoftHSM2 token, provisioned as an integrator would.
        hub.provisionGateway(GATEWAY, "");

        // The hub's consumer, subscribed before the link exists.
        Path received = hub.subscribeTelemetry(port, GATEWAY);

        Upstream upstream = service(Upstream.class);
        assertTrue("the spool's Upstream service is running", upstream != null);
        int first = 3_000;
        int second = 2_000;
        for (int i = 0; i < first; i++) {
            upstream.publish("meter-" + (i % 5), Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8),
                    PublishOptions.priority(5));
        }
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + work.resolve("ca.pem") + "\ninflight.window = 64\nbackoff.min.ms = 200\n"
                + "backoff.max.ms = 2000\n");
        await("the link UP", 60, () -> service(HubLink.class) != null && service(HubLink.class).state() == LinkState.UP);
        await("some messages at the hub", 60, () -> lines(received).size() >= 500);

        // Mid-stream: stop the link bundle, keep producing, update and start it again.
        Bundle link = bundle("dev.palisade.upstream.mqtt");
        link.stop();
        for (int i = first; i < first + second; i++) {
            upstream.publish("meter-" + (i % 5), Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8),
                    PublishOptions.priority(5));
        }
        link.update();
        link.start();
        await("every message at the hub", 120, () -> distinct(received) >= first + second);

        Map<String, Integer> counts = counts(received);
        for (int i = 0; i < first + second; i++) {
            assertTrue("message m-" + i + " never reached the hub", counts.containsKey("m-" + i));
        }
        int duplicates = lines(received).size() - counts.size();
        assertTrue("duplicates " + duplicates + " exceed the in-flight window of 64", duplicates <= 64);
        assertEquals("nothing but our messages arrived", first + second, counts.size());

        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.contains("upstream") && status.contains("connected to ssl://127.0.0.1:" + port));
        String shown = GatewayChecks.execute(commands, "palisade:upstream");
        assertTrue(shown, shown.startsWith("state:          UP"));

        // The preferred way: the hub's anchors from a trust domain of the trust service.
        Files.writeString(etc.resolve("dev.palisade.trust.domain-hub.cfg"), "name = hub\nanchors = "
                + work.resolve("ca.pem") + "\n");
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.domain = hub\ninflight.window = 64\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        await("the link reconfigured for the trust domain and UP again", 60, () -> {
            try {
                String now = GatewayChecks.execute(commands, "palisade:upstream");
                return now.startsWith("state:          UP") && now.contains("verified by trust domain 'hub'");
            } catch (Exception e) {
                return false;
            }
        });
        for (int i = first + second; i < first + second + 100; i++) {
            upstream.publish("meter-0", Upstream.TELEMETRY, ("m-" + i).getBytes(StandardCharsets.UTF_8), PublishOptions.priority(5));
        }
        await("the messages sent through the domain-verified link", 60, () -> distinct(received) >= first + second + 100);
    }

    // --- helpers ---

    private <T> T service(Class<T> type) {
        return hub.service(type);
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not in the distribution");
    }

    private static List<String> lines(Path file) {
        return UpstreamItFixture.lines(file);
    }

    private static Map<String, Integer> counts(Path file) {
        return UpstreamItFixture.counts(file);
    }

    private static int distinct(Path file) {
        return UpstreamItFixture.distinct(file);
    }

    private static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        UpstreamItFixture.await(what, seconds, condition);
    }
}
