package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.osgi.util.tracker.ServiceTracker;

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

    private final List<Process> processes = new ArrayList<>();

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-upstream-it")));
    }

    @After
    public void stopProcesses() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    public void linkDrainsTheSpoolToMosquittoAndLosesNothingWhenItsBundleIsStoppedAndUpdated() throws Exception {
        Path etc = Path.of(context.getProperty("palisade.etc"));
        Path work = Files.createDirectories(Path.of(context.getProperty("palisade.data")).resolve("upstream-it"));

        // The hub's PKI and the broker.
        UpstreamItPki pki = new UpstreamItPki();
        pki.writeHubFiles(work);
        int port = freePort();
        Files.writeString(work.resolve("mosquitto.conf"), String.join("\n", "per_listener_settings false",
                "allow_anonymous true", "user " + System.getProperty("user.name"), "set_tcp_nodelay true",
                "max_inflight_messages 100", "max_queued_messages 0", "log_dest file " + work.resolve("mosquitto.log"),
                "listener " + port + " 127.0.0.1", "cafile " + work.resolve("ca.pem"),
                "certfile " + work.resolve("server.pem"), "keyfile " + work.resolve("server.key"),
                "require_certificate true", "use_identity_as_username true", ""));
        start(List.of("mosquitto", "-c", work.resolve("mosquitto.conf").toString()), work.resolve("mosquitto.out"), "mosquitto");
        await("mosquitto listening on " + port, 15, () -> listening(port));

        // The gateway's key on a fresh SoftHSM2 token, provisioned as an integrator would.
        String pin = provisionToken(work);
        Path pinFile = work.resolve("token.pin");
        Files.writeString(pinFile, pin + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(etc.resolve("dev.palisade.identity.pkcs11.cfg"), "library = " + softHsmLibrary()
                + "\nslot.index = 0\npin.file = " + pinFile + "\n");
        awaitCommand("palisade:identity init");
        Path csr = work.resolve("gw.csr");
        GatewayChecks.execute(commands, "palisade:identity csr --subject CN=" + GATEWAY + " --out " + csr);
        pki.issueChain(csr, GATEWAY, work.resolve("chain.pem"));
        GatewayChecks.execute(commands, "palisade:identity install " + work.resolve("chain.pem") + " --root " + work.resolve("ca.pem"));
        await("the gateway identity", 30, () -> service(GatewayIdentity.class) != null);

        // The hub's consumer, subscribed before the link exists.
        Path received = work.resolve("received.txt");
        start(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5", "-q", "1",
                "-i", "hub-observer", "--cafile", work.resolve("ca.pem").toString(), "--cert",
                work.resolve("observer.pem").toString(), "--key", work.resolve("observer.key").toString(),
                "-t", "palisade/v1/" + GATEWAY + "/d/+/telemetry"), received, "mosquitto-clients");
        Thread.sleep(1_500);

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

    private void awaitCommand(String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                GatewayChecks.execute(commands, line);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("'" + line + "' kept failing: " + e.getMessage(), e);
                }
                Thread.sleep(200);
            }
        }
    }

    private String provisionToken(Path work) throws Exception {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new AssertionError("SOFTHSM2_CONF is not set in the test JVM (Failsafe sets it): SoftHSM needs it before"
                    + " the library loads");
        }
        // A fresh token directory: a token left by an earlier run would be slot 0, with another PIN.
        Path tokens = Path.of(conf).getParent().resolve("tokens");
        if (Files.exists(tokens)) {
            try (java.util.stream.Stream<Path> old = Files.walk(tokens)) {
                for (Path path : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(tokens);
        Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = String.valueOf(100_000_000 + new SecureRandom().nextInt(800_000_000));
        Process init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", "upstream-it", "--so-pin",
                pin + "9", "--pin", pin).redirectErrorStream(true).start();
        String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!init.waitFor(30, TimeUnit.SECONDS) || init.exitValue() != 0) {
            throw new AssertionError("softhsm2-util --init-token failed: " + output);
        }
        return pin;
    }

    private static String softHsmLibrary() {
        for (String candidate : List.of("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")) {
            if (Files.exists(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("libsofthsm2.so not found: install the Debian package softhsm2");
    }

    private void start(List<String> command, Path output, String debianPackage) {
        try {
            processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed: install the Debian package " + debianPackage, e);
        }
    }

    private <T> T service(Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            return tracker.getService();
        } finally {
            tracker.close();
        }
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
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, Integer> counts(Path file) {
        Map<String, Integer> counts = new HashMap<>();
        lines(file).forEach(line -> counts.merge(line, 1, Integer::sum));
        return counts;
    }

    private static int distinct(Path file) {
        return counts(file).size();
    }

    private static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
