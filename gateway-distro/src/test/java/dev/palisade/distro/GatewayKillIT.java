package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Test;

/**
 * The whole gateway process killed with SIGKILL mid-stream, again and again, and restarted:
 * every message the spool accepted reaches the hub intact, and duplicates stay within the
 * link's in-flight window per kill.
 *
 * <p>All real and all in separate processes, so that the test survives the kills: the unpacked
 * distribution started with {@code bin/palisade start} (the shipped {@code conf/jvm.options},
 * {@code -Xmx128m}, and the spool's default sync policy), the gateway key on a fresh SoftHSM2
 * token provisioned with {@code bin/palisade identity init/csr/install}, Mosquitto 2 with mutual
 * TLS, and a {@code mosquitto_sub} observer in the hub's place. Certificates come from openssl
 * (the test runner has no Bouncy Castle), as an integrator may make them.
 *
 * <p>"Accepted" is known outside the gateway: producers publish through the admin channel with
 * {@code palisade:spool publish}, which answers only after the spool accepted every message of
 * the request; a request whose answer never came (the gateway died under it) is "unconfirmed":
 * its messages may or may not arrive, and are not counted as lost. Each payload carries its id
 * and random bytes; the test keeps each accepted payload's SHA-256 and checks it against what
 * the observer received.
 *
 * <p>Each kill waits until this life of the gateway accepted messages and its link delivered
 * some, then comes at a random moment while both go on. The moments come from a seed that every
 * failure message prints; {@code -Dkill.it.seed=N} repeats them.
 *
 * <p>Needs the Debian packages mosquitto, mosquitto-clients, softhsm2 and openssl; a missing one
 * fails the test naming it.
 */
public class GatewayKillIT {

    private static final String GATEWAY = "gw-kill-it";
    private static final int KILLS = 4;
    private static final int WINDOW = 64;
    private static final int BATCH = 25;
    private static final int PRODUCERS = 2;

    private final List<Process> processes = new ArrayList<>();
    private Path dir;
    private Path data;
    private Path etc;
    private Path softHsmConf;
    private final Map<Long, byte[]> accepted = new ConcurrentHashMap<>();
    private final Map<Long, byte[]> unconfirmed = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refusedRequests = new AtomicLong();
    private final AtomicLong notSent = new AtomicLong();
    private boolean passed;
    private final AtomicReference<String> lastRefusal = new AtomicReference<>("none");

    @After
    public void tearDown() throws Exception {
        if (data != null) {
            launcher(120, "stop");
        }
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // Kept after a failure (the gateway's log, the broker's, what the observer received).
        if (passed) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** The spool's default sync policy: an fsync per accepted message (group-committed across producers). */
    @Test
    public void everyAcceptedMessageReachesTheHubThroughRepeatedSigkillsWithTheDefaultSyncPolicy() throws Exception {
        killRepeatedlyAndCheck(null);
    }

    /**
     * Grouped syncs lose at most one group at a power cut (docs/spool.md), but nothing at a
     * process kill: the record is in the kernel before {@code publish} returns.
     */
    @Test
    public void everyAcceptedMessageReachesTheHubThroughRepeatedSigkillsWithGroupedSyncs() throws Exception {
        killRepeatedlyAndCheck("sync = GROUPED\nsync.count = 100\nsync.interval.ms = 200\n");
    }

    private void killRepeatedlyAndCheck(String spoolConfig) throws Exception {
        dir = TestDirectories.shortTempDirectory("palisade-kill-it");
        data = dir.resolve("data");
        etc = Files.createDirectories(dir.resolve("etc"));
        try (Stream<Path> shipped = Files.list(DistroOptions.home().resolve("etc"))) {
            for (Path file : shipped.toList()) {
                Files.copy(file, etc.resolve(file.getFileName()));
            }
        }
        if (spoolConfig != null) {
            Files.writeString(etc.resolve("dev.palisade.spool.cfg"), spoolConfig);
        }
        makeHubPki();
        String pin = freshToken();
        Path pinFile = dir.resolve("token.pin");
        Files.writeString(pinFile, pin + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(etc.resolve("dev.palisade.identity.pkcs11.cfg"), "library = "
                + softHsmLibrary() + "\nslot.index = 0\npin.file = " + pinFile + "\n");

        int port = startMosquitto();
        Path received = dir.resolve("received.txt");
        start(List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5", "-q", "1",
                "-i", "kill-it-observer", "--cafile", dir.resolve("ca.pem").toString(), "--cert",
                dir.resolve("observer.pem").toString(), "--key", dir.resolve("observer.key").toString(), "-t",
                "palisade/v1/" + GATEWAY + "/d/+/telemetry"), received, "mosquitto-clients");

        // Provision the gateway as an integrator does, through bin/palisade.
        ok(launcher(120, "start"));
        ok(launcher(60, "identity", "init"));
        Path csr = dir.resolve("gw.csr");
        ok(launcher(60, "identity", "csr", "--subject", "CN=" + GATEWAY, "--out", csr.toString()));
        sign(csr, dir.resolve("gw.pem"), "clientAuth", null);
        Files.writeString(dir.resolve("chain.pem"), Files.readString(dir.resolve("gw.pem")) + Files.readString(dir.resolve("ca.pem")));
        ok(launcher(60, "identity", "install", dir.resolve("chain.pem").toString(), "--root", dir.resolve("ca.pem").toString()));
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + dir.resolve("ca.pem") + "\ninflight.window = " + WINDOW
                + "\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        awaitLinkUp(90);

        // Producers run through every kill: each request is one admin-channel connection.
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            String child = "meter-" + p;
            Thread producer = new Thread(() -> produce(child, producing, producerFailure), "kill-it-producer-" + p);
            producer.start();
            producers.add(producer);
        }

        long seed = Long.getLong("kill.it.seed", new SecureRandom().nextLong());
        Random random = new Random(seed);
        List<String> killLog = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            // Mid-stream: this life of the gateway accepted messages and its link delivers some,
            // then a random moment while both go on.
            long acceptedBefore = accepted.size();
            long receivedBefore = countLines(received);
            await("messages accepted before kill " + kill, 90, () -> accepted.size() >= acceptedBefore + 200);
            await("the link delivering before kill " + kill, 90, () -> countLines(received) >= receivedBefore + 100);
            Thread.sleep(200 + random.nextInt(2_500));
            long pid = Long.parseLong(Files.readString(data.resolve("palisade.pid")).strip());
            ProcessHandle gateway = ProcessHandle.of(pid)
                    .orElseThrow(() -> new AssertionError("the gateway's pid " + pid + " (palisade.pid) is not running"));
            assertTrue("kill -KILL " + pid, gateway.destroyForcibly());
            gateway.onExit().get(30, TimeUnit.SECONDS);
            killLog.add("kill " + kill + " after " + accepted.size() + " accepted, " + countLines(received) + " received");
            ok(launcher(120, "start"));
        }
        // A last stretch of load after the final restart, then the producers stop.
        Thread.sleep(3_000);
        producing.set(false);
        for (Thread producer : producers) {
            producer.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertEquals("producers failed (seed " + seed + ")", null, producerFailure.get());

        await("every accepted message at the hub", 180, () -> missing(received).isEmpty());
        await("the spool empty", 60, () -> launcherQuiet("spool").contains("depth: 0 of"));

        // Now check, from the observer's file, count and checksum of every accepted message.
        String context = "sync " + (spoolConfig == null ? "default" : "GROUPED") + ", seed " + seed + ", " + String.join("; ", killLog) + "; " + accepted.size() + " accepted, "
                + unconfirmed.size() + " unconfirmed in " + refusedRequests.get() + " requests cut off or refused (last refusal: "
                + lastRefusal.get() + "), " + notSent.get() + " requests not sent (no gateway listening)";
        Map<Long, Integer> seen = new java.util.HashMap<>();
        List<String> corrupt = new ArrayList<>();
        long lines = 0;
        for (String line : Files.readAllLines(received, StandardCharsets.UTF_8)) {
            lines++;
            long id = idOf(line);
            byte[] expected = id < 0 ? null : accepted.getOrDefault(id, unconfirmed.get(id));
            if (expected == null || !MessageDigest.isEqual(expected, sha256(line))) {
                corrupt.add(line);
            } else {
                seen.merge(id, 1, Integer::sum);
            }
        }
        assertTrue("the hub received messages never sent, or with a wrong checksum (" + context + "): "
                + corrupt.subList(0, Math.min(5, corrupt.size())), corrupt.isEmpty());
        List<Long> lost = new ArrayList<>();
        for (Long id : accepted.keySet()) {
            if (!seen.containsKey(id)) {
                lost.add(id);
            }
        }
        assertTrue("accepted messages never reached the hub (" + context + "): " + lost.subList(0, Math.min(10, lost.size())),
                lost.isEmpty());
        long duplicates = lines - seen.size();
        System.out.println("GatewayKillIT: " + context + "; received " + lines + " messages, " + seen.size()
                + " distinct, " + duplicates + " duplicates");
        assertTrue("duplicates " + duplicates + " exceed the in-flight window " + WINDOW + " per kill (" + context + ")",
                duplicates <= (long) KILLS * WINDOW);
        assertTrue("too little load to mean anything (" + context + ")", accepted.size() >= 2_000);
        String spool = launcherQuiet("spool");
        assertTrue(spool, spool.contains("dropped: 0"));
        String log = Files.readString(data.resolve("log/palisade.log"));
        assertTrue("the spool recovered at every restart:\n" + spool, log.split("Spool .* opened: ", -1).length - 1 >= KILLS + 1);
        String window = spoolConfig == null ? "power-cut loss window none (fsync per message)"
                : "power-cut loss window at most 100 messages or 200 ms";
        assertTrue("the spool ran with the sync policy under test (" + window + ")", log.contains(window));
        passed = true;
    }

    // --- producers ---

    private void produce(String child, AtomicBoolean producing, AtomicReference<Throwable> failure) {
        Random random = new Random();
        byte[] noise = new byte[24];
        try {
            while (producing.get()) {
                List<String> request = new ArrayList<>(List.of("spool", "publish", child, "telemetry"));
                Map<Long, byte[]> batch = new java.util.LinkedHashMap<>();
                for (int i = 0; i < BATCH; i++) {
                    long id = ids.incrementAndGet();
                    random.nextBytes(noise);
                    String payload = "id-" + id + "-" + HexFormat.of().formatHex(noise);
                    request.add(payload);
                    batch.put(id, sha256(payload));
                }
                AdminChannelClient.Answer answer;
                try {
                    answer = AdminChannelClient.send(data.resolve("run/admin.sock"), request);
                } catch (java.net.ConnectException | java.nio.file.NoSuchFileException notRunning) {
                    // Nothing reached a gateway (down, or its socket not there yet): these ids were
                    // never sent, and arriving at the hub would fail the check below.
                    notSent.incrementAndGet();
                    Thread.sleep(100);
                    continue;
                } catch (IOException gatewayAway) {
                    if (gatewayAway.getMessage() != null && gatewayAway.getMessage().contains("No such file")) {
                        notSent.incrementAndGet();
                        Thread.sleep(100);
                        continue;
                    }
                    answer = null;
                }
                if (answer != null && answer.exitCode() == 0) {
                    long confirmations = answer.out().lines().filter(l -> l.startsWith("accepted ")).count();
                    if (confirmations != BATCH) {
                        throw new AssertionError("spool publish answered " + confirmations + " acceptances for " + BATCH
                                + " messages: " + answer.out());
                    }
                    accepted.putAll(batch);
                } else {
                    // The gateway died under the request, or is not up yet (no socket, or the command
                    // not registered yet): its messages may or may not be in.
                    if (answer != null) {
                        lastRefusal.set("exit " + answer.exitCode() + ": " + answer.err().strip());
                    }
                    unconfirmed.putAll(batch);
                    refusedRequests.incrementAndGet();
                    Thread.sleep(50);
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private List<Long> missing(Path received) {
        java.util.Set<Long> arrived = new java.util.HashSet<>();
        for (String line : lines(received)) {
            arrived.add(idOf(line));
        }
        List<Long> out = new ArrayList<>();
        for (Long id : accepted.keySet()) {
            if (!arrived.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    private static long idOf(String payload) {
        int end = payload.indexOf('-', 3);
        try {
            return payload.startsWith("id-") && end > 3 ? Long.parseLong(payload.substring(3, end)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long countLines(Path file) {
        return lines(file).size();
    }

    // --- the gateway through bin/palisade ---

    private void awaitLinkUp(long seconds) throws InterruptedException {
        await("the link UP (palisade:upstream)", seconds,
                () -> launcherQuiet("upstream").startsWith("state:          UP"));
    }

    private String launcherQuiet(String... arguments) {
        try {
            LauncherIT.Result result = launcher(60, arguments);
            return result.exitCode() == 0 ? result.out() : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static void ok(LauncherIT.Result result) {
        assertEquals(result.toString(), 0, result.exitCode());
    }

    private LauncherIT.Result launcher(long timeoutSeconds, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(DistroOptions.home().resolve("bin/palisade").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("PALISADE_DATA", data.toString());
        builder.environment().put("PALISADE_ETC", etc.toString());
        builder.environment().put("SOFTHSM2_CONF", softHsmConf.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " did not finish within "
                        + timeoutSeconds + " s");
            }
            return new LauncherIT.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // --- token, PKI and broker ---

    /** A fresh SoftHSM2 token in this test's own directory; returns its user PIN. */
    private String freshToken() throws Exception {
        Path tokens = Files.createDirectories(dir.resolve("softhsm/tokens"));
        softHsmConf = dir.resolve("softhsm/softhsm2.conf");
        Files.writeString(softHsmConf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = String.valueOf(100_000_000 + new SecureRandom().nextInt(800_000_000));
        ProcessBuilder init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", "kill-it",
                "--so-pin", pin + "9", "--pin", pin);
        init.environment().put("SOFTHSM2_CONF", softHsmConf.toString());
        run(init, "softhsm2-util --init-token", "softhsm2");
        return pin;
    }

    /** A test CA, the broker's server certificate (IP 127.0.0.1) and the observer's client certificate. */
    private void makeHubPki() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=kill-it-ca", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        for (String name : List.of("server", "observer")) {
            openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
            sign(dir.resolve(name + ".csr"), dir.resolve(name + ".pem"), name.equals("server") ? "serverAuth" : "clientAuth",
                    name.equals("server") ? "IP:127.0.0.1" : null);
        }
    }

    private void sign(Path csr, Path certificate, String purpose, String san) throws Exception {
        Path extensions = dir.resolve(certificate.getFileName() + ".ext");
        Files.writeString(extensions, "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                + "extendedKeyUsage = " + purpose + "\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
                + (san == null ? "" : "subjectAltName = " + san + "\n"));
        openssl("x509", "-req", "-in", csr.toString(), "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-sha256", "-extfile", extensions.toString(), "-out", certificate.toString());
    }

    private void openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        run(new ProcessBuilder(command).directory(dir.toFile()), "openssl " + arguments[0], "openssl");
    }

    private int startMosquitto() throws Exception {
        int port = freePort();
        Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n", "per_listener_settings false",
                "allow_anonymous true", "user " + System.getProperty("user.name"), "set_tcp_nodelay true",
                "max_inflight_messages 100", "max_queued_messages 0", "log_dest file " + dir.resolve("mosquitto.log"),
                "listener " + port + " 127.0.0.1", "cafile " + dir.resolve("ca.pem"), "certfile " + dir.resolve("server.pem"),
                "keyfile " + dir.resolve("server.key"), "require_certificate true", "use_identity_as_username true", ""));
        start(List.of("mosquitto", "-c", dir.resolve("mosquitto.conf").toString()), dir.resolve("mosquitto.out"), "mosquitto");
        await("mosquitto listening on " + port, 15, () -> listening(port));
        return port;
    }

    private void start(List<String> command, Path output, String debianPackage) {
        try {
            processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed: install the Debian package " + debianPackage, e);
        }
    }

    private static void run(ProcessBuilder builder, String what, String debianPackage) throws Exception {
        Process process;
        try {
            process = builder.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(what + " cannot run: install the Debian package " + debianPackage, e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(what + " failed: " + output);
        }
    }

    // --- small helpers (this test runs on the plain class path, outside any framework) ---

    private static void await(String what, long seconds, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
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
}
