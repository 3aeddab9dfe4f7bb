package dev.palisade.distro;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
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
import java.util.stream.Stream;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * What the hub-link ITs share: a real Mosquitto 2 with mutual TLS, the gateway provisioned on a
 * fresh SoftHSM2 token through {@code palisade:identity init/csr/install}, a {@code mosquitto_sub}
 * observer that writes one line per message, and the SoftHSM2 "token removal" (its object files
 * moved away and back). Needs the Debian packages mosquitto, mosquitto-clients and softhsm2, and
 * {@code SOFTHSM2_CONF} in the test JVM's environment (set by Failsafe); a missing one fails the
 * test naming it. {@link #close()} kills the processes it started.
 */
final class UpstreamItFixture implements AutoCloseable {

    /** The token's own record, kept when its objects are "removed": token object, lock, generation counter. */
    private static final List<String> TOKEN_RECORD = List.of("token.object", "token.lock", "generation");

    private final BundleContext context;
    private final CommandProcessor commands;
    private final List<Process> processes = new ArrayList<>();
    final Path etc;
    final Path work;
    final UpstreamItPki pki;
    private Path tokenDirectory;
    private Path removedObjects;

    UpstreamItFixture(BundleContext context, CommandProcessor commands, String workName) throws Exception {
        this.context = context;
        this.commands = commands;
        this.etc = Path.of(context.getProperty("palisade.etc"));
        this.work = Files.createDirectories(Path.of(context.getProperty("palisade.data")).resolve(workName));
        this.pki = new UpstreamItPki();
        pki.writeHubFiles(work);
    }

    /** Starts Mosquitto (TLS, client certificates required, Receive Maximum 100) and returns its port. */
    int startMosquitto() throws Exception {
        int port = freePort();
        Files.writeString(work.resolve("mosquitto.conf"), String.join("\n", "per_listener_settings false",
                "allow_anonymous true", "user " + System.getProperty("user.name"), "set_tcp_nodelay true",
                "max_inflight_messages 100", "max_queued_messages 0", "log_dest file " + work.resolve("mosquitto.log"),
                "listener " + port + " 127.0.0.1", "cafile " + work.resolve("ca.pem"),
                "certfile " + work.resolve("server.pem"), "keyfile " + work.resolve("server.key"),
                "require_certificate true", "use_identity_as_username true", ""));
        start(List.of("mosquitto", "-c", work.resolve("mosquitto.conf").toString()), work.resolve("mosquitto.out"), "mosquitto");
        await("mosquitto listening on " + port, 15, () -> listening(port));
        return port;
    }

    /**
     * Provisions {@code gateway} on a fresh SoftHSM2 token as an integrator would and waits for
     * its {@link GatewayIdentity}.
     *
     * @param identityExtra more lines for {@code etc/dev.palisade.identity.pkcs11.cfg}, e.g. {@code token.check.seconds = 1}
     */
    void provisionGateway(String gateway, String identityExtra) throws Exception {
        String pin = freshToken("upstream-it");
        Path pinFile = work.resolve("token.pin");
        Files.writeString(pinFile, pin + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(etc.resolve("dev.palisade.identity.pkcs11.cfg"), "library = " + softHsmLibrary()
                + "\nslot.index = 0\npin.file = " + pinFile + "\n" + identityExtra);
        awaitCommand("palisade:identity init");
        Path csr = work.resolve("gw.csr");
        GatewayChecks.execute(commands, "palisade:identity csr --subject CN=" + gateway + " --out " + csr);
        pki.issueChain(csr, gateway, work.resolve("chain.pem"));
        GatewayChecks.execute(commands, "palisade:identity install " + work.resolve("chain.pem") + " --root " + work.resolve("ca.pem"));
        await("the gateway identity", 30, () -> service(GatewayIdentity.class) != null);
    }

    /** Starts the hub's consumer of the gateway's telemetry (QoS 1); returns the file it writes, one payload a line. */
    Path subscribeTelemetry(int port, String gateway) throws InterruptedException {
        Path received = work.resolve("received.txt");
        start(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5", "-q", "1",
                "-i", "hub-observer", "--cafile", work.resolve("ca.pem").toString(), "--cert",
                work.resolve("observer.pem").toString(), "--key", work.resolve("observer.key").toString(),
                "-t", "palisade/v1/" + gateway + "/d/+/telemetry"), received, "mosquitto-clients");
        Thread.sleep(1_500);
        return received;
    }

    /**
     * "Removes" the token: moves every object file of the SoftHSM2 token away, keeping the token's
     * own record, and announces the change through its generation counter. The running library
     * then fails on the key's handle and, reopened, finds a token without the gateway's key.
     * Moving the whole token directory would break SoftHSM2 for the rest of the process
     * (docs/identity.md), so this is how the identity's own {@code TokenRemovedTest} does it too.
     */
    void removeTokenObjects() throws IOException {
        Path tokens = tokensDirectory();
        try (Stream<Path> entries = Files.list(tokens)) {
            tokenDirectory = entries.filter(Files::isDirectory).findFirst()
                    .orElseThrow(() -> new AssertionError("no token directory in " + tokens));
        }
        removedObjects = Files.createDirectories(work.resolve("removed-token-objects"));
        try (Stream<Path> files = Files.list(tokenDirectory)) {
            for (Path file : files.filter(f -> !TOKEN_RECORD.contains(f.getFileName().toString())).toList()) {
                Files.move(file, removedObjects.resolve(file.getFileName()));
            }
        }
        bumpGeneration();
    }

    /** Puts the objects moved by {@link #removeTokenObjects()} back. */
    void putTokenObjectsBack() throws IOException {
        try (Stream<Path> files = Files.list(removedObjects)) {
            for (Path file : files.toList()) {
                Files.move(file, tokenDirectory.resolve(file.getFileName()));
            }
        }
        Files.delete(removedObjects);
        bumpGeneration();
    }

    /** SoftHSM2 re-reads a token only when its 8-byte big-endian generation counter changed. */
    private void bumpGeneration() throws IOException {
        Path generation = tokenDirectory.resolve("generation");
        long value = java.nio.ByteBuffer.wrap(Files.readAllBytes(generation)).getLong();
        Files.write(generation, java.nio.ByteBuffer.allocate(8).putLong(value + 1).array());
    }

    private static Path tokensDirectory() {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new AssertionError("SOFTHSM2_CONF is not set in the test JVM (Failsafe sets it): SoftHSM needs it before"
                    + " the library loads");
        }
        return Path.of(conf).getParent().resolve("tokens");
    }

    /** A fresh SoftHSM2 token directory with one token labelled {@code label}; returns its user PIN. */
    static String freshToken(String label) throws Exception {
        Path tokens = tokensDirectory();
        // A fresh token directory: a token left by an earlier run would be slot 0, with another PIN.
        if (Files.exists(tokens)) {
            try (Stream<Path> old = Files.walk(tokens)) {
                for (Path path : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(tokens);
        Files.writeString(Path.of(System.getenv("SOFTHSM2_CONF")), "directories.tokendir = " + tokens
                + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = String.valueOf(100_000_000 + new SecureRandom().nextInt(800_000_000));
        Process init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin",
                pin + "9", "--pin", pin).redirectErrorStream(true).start();
        String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!init.waitFor(30, TimeUnit.SECONDS) || init.exitValue() != 0) {
            throw new AssertionError("softhsm2-util --init-token failed: " + output);
        }
        return pin;
    }

    static String softHsmLibrary() {
        for (String candidate : List.of("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")) {
            if (Files.exists(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("libsofthsm2.so not found: install the Debian package softhsm2");
    }

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

    private void start(List<String> command, Path output, String debianPackage) {
        try {
            processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed: install the Debian package " + debianPackage, e);
        }
    }

    <T> T service(Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            return tracker.getService();
        } finally {
            tracker.close();
        }
    }

    /**
     * Registers this gateway at a reference hub in its strict mode: the gateway's CA verified
     * there (proof of possession of its key) and the gateway added as a gateway with its chain.
     */
    void registerGateway(ReferenceHub hub, String gateway) throws Exception {
        pki.writeCa(work.resolve("ca.pem"), work.resolve("ca.key"));
        hub.registerVerifiedCa("gateway-ca", work.resolve("ca.pem"), work.resolve("ca.key"));
        hub.ok("device", "add", gateway, "--gateway", "--ca-chain");
    }

    /** Points the hub link at the reference hub listening on {@code port}, with short backoffs. */
    void linkTo(ReferenceHub hub, int port) throws IOException {
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + hub.data.resolve("server/hub-test-ca.cer")
                + "\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
    }

    /** @return the service, waited for up to 30 s; fails the test naming the type when it never comes */
    <T> T awaitService(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            T service = tracker.waitForService(TimeUnit.SECONDS.toMillis(30));
            if (service == null) {
                throw new AssertionError(type.getSimpleName() + " service registered");
            }
            return service;
        } finally {
            tracker.close();
        }
    }

    /** @return the hub link's state, or null while there is no link */
    LinkState linkState() {
        HubLink link = service(HubLink.class);
        return link == null ? null : link.state();
    }

    <T> List<T> services(Class<T> type) {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        try {
            Object[] all = tracker.getServices();
            List<T> out = new ArrayList<>();
            if (all != null) {
                for (Object one : all) {
                    out.add(type.cast(one));
                }
            }
            return out;
        } finally {
            tracker.close();
        }
    }

    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    static Map<String, Integer> counts(Path file) {
        Map<String, Integer> counts = new HashMap<>();
        lines(file).forEach(line -> counts.merge(line, 1, Integer::sum));
        return counts;
    }

    static int distinct(Path file) {
        return counts(file).size();
    }

    static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
