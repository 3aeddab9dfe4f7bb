package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Test;

/**
 * Enrollment state across a restart of the <em>whole gateway</em>, run as an integrator runs it:
 * {@code bin/palisade start} of the unpacked distribution in its own process, the gateway's key
 * on a fresh SoftHSM2 token, the reference hub in its strict mode ({@code hub/bin/palisade-hub}),
 * a real plain Modbus TCP device (pymodbus) enrolled custodially with {@code bin/palisade children
 * csr / install} and a certificate issued by {@code openssl} as the integrator's CA.
 *
 * <p>The gateway is stopped cleanly ({@code bin/palisade stop}), started, then killed with
 * SIGKILL and started again. Each time {@code bin/palisade children} shows the child enrolled as
 * soon as the gateway answers, the hub acknowledges its readings again, and the hub's log shows
 * that it was enrolled exactly once: no new enrollment round. Last, the device's configuration is
 * removed while the gateway is stopped: after the start's settle time ({@code start.settle.seconds})
 * the child is unenrolled at the hub.
 *
 * <p>A plain JUnit test (no Pax Exam): the gateway is not in this JVM. Needs softhsm2, openssl and
 * python3-pymodbus, and {@code SOFTHSM2_CONF} in this JVM's environment (Failsafe sets it; the
 * gateway process inherits it); a missing one fails the test naming it.
 */
public class RestartEnrollIT {

    private static final String GATEWAY = "gw-restart-it";
    private static final String HUB_ID = "restart-it-hub";
    private static final String CHILD = "boiler-7";
    private static final Pattern ACKNOWLEDGED = Pattern.compile("acknowledged (\\d+)");
    private static final Pattern REFUSED_BY_HUB = Pattern.compile("refused by hub (\\d+)");

    private final List<Process> processes = new ArrayList<>();
    private Path work;
    private Path etc;
    private Path data;
    private ReferenceHub hub;

    @After
    public void tearDown() throws Exception {
        if (data != null) {
            gateway("stop");
        }
        if (hub != null) {
            hub.close();
        }
        for (Process process : processes) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void anEnrolledChildStaysEnrolledAcrossAStopAndAKillOfTheGatewayWithoutANewEnrollment() throws Exception {
        requirePymodbus();
        work = TestDirectories.shortTempDirectory("palisade-restart-it");
        etc = copyTree(DistroOptions.home().resolve("etc"), work.resolve("etc"));
        data = work.resolve("data");

        // The integrator's CA (openssl), verified at the strict hub; the gateway registered under it.
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                work.resolve("ca.key").toString(), "-out", work.resolve("ca.pem").toString(), "-subj", "/CN=restart-it-ca",
                "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-addext", "subjectKeyIdentifier=hash");
        Files.writeString(work.resolve("leaf.ext"), "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                + "extendedKeyUsage = clientAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n");
        hub = new ReferenceHub(work.resolve("hub"));
        int hubPort = UpstreamItFixture.freePort();
        hub.ok("start", "--port", String.valueOf(hubPort), "--hub-id", HUB_ID);
        hub.registerVerifiedCa("plant-ca", work.resolve("ca.pem"), work.resolve("ca.key"));
        hub.ok("device", "add", GATEWAY, "--gateway", "--ca-chain");

        // The gateway process: identity on a fresh token through the admin channel, as in docs/identity.md.
        Path pinFile = work.resolve("token.pin");
        Files.writeString(pinFile, freshToken() + "\n");
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(etc.resolve("dev.palisade.identity.pkcs11.cfg"), "library = " + UpstreamItFixture.softHsmLibrary()
                + "\nslot.index = 0\npin.file = " + pinFile + "\n");
        started(gateway("start"));
        awaitCommand("identity init", "the token initialised");
        gatewayOk("identity", "csr", "--subject", "CN=" + GATEWAY, "--out", work.resolve("gw.csr").toString());
        issue(work.resolve("gw.csr"), work.resolve("gw-chain.pem"));
        gatewayOk("identity", "install", work.resolve("gw-chain.pem").toString(), "--root", work.resolve("ca.pem").toString());

        // Enrollment, the hub link and a plain Modbus TCP device.
        int modbusPort = startDevice();
        Files.writeString(etc.resolve("dev.palisade.enroll.cfg"), "hub.id = " + HUB_ID
                + "\nretry.min.seconds = 1\nretry.max.seconds = 3\nstart.settle.seconds = 10\n");
        Files.writeString(etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + hubPort
                + "\nhub.trust.anchors = " + hub.data.resolve("server/hub-test-ca.cer") + "\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        Files.writeString(etc.resolve("dev.palisade.bus.modbus.device-" + CHILD + ".cfg"), "id = " + CHILD
                + "\ntransport = tcp\nhost = 127.0.0.1\nport = " + modbusPort
                + "\npoll.interval.ms = 500\nchannels = temperature holding 24 int16 scale=0.1 unit=degC\n");
        await("the child pending for want of its custodial key", 60,
                () -> childLine().matches(CHILD + " +pending +custodial .*no key for this child.*"));

        // Custodial: the child's key on the token, its certificate from the integrator's CA.
        Path csr = work.resolve(CHILD + ".csr");
        String wrote = gatewayOk("children", "csr", CHILD, "--out", csr.toString());
        assertTrue(wrote, wrote.contains("wrote the certificate request for child '" + CHILD + "'"));
        issue(csr, work.resolve(CHILD + "-chain.pem"));
        gatewayOk("children", "install", CHILD, work.resolve(CHILD + "-chain.pem").toString());
        await("the child enrolled", 60, () -> childLine().matches(CHILD + " +enrolled +custodial +- .*"));
        await("the child's readings acknowledged by the hub", 60, () -> counter(ACKNOWLEDGED) >= 5);
        assertEquals("the strict hub refused none of them: " + gatewayOk("upstream"), 0, counter(REFUSED_BY_HUB));
        assertEquals("enrolled once" + hub.logTail(), 1, enrollmentsAtTheHub());

        // 1. A clean stop and start of the whole gateway.
        long stopped = pid();
        String stop = gatewayOk("stop");
        assertTrue(stop, stop.startsWith("Palisade stopped"));
        assertTrue("the gateway process is gone", ProcessHandle.of(stopped).isEmpty() || !ProcessHandle.of(stopped).get().isAlive());
        assertStillEnrolledAfterStart("a clean restart");

        // 2. SIGKILL: no shutdown hook, no chance to save anything at the last moment.
        ProcessHandle process = ProcessHandle.of(pid()).orElseThrow(() -> new AssertionError("no gateway process to kill"));
        assertTrue(process.destroyForcibly());
        process.onExit().get(20, TimeUnit.SECONDS);
        assertStillEnrolledAfterStart("a restart after SIGKILL");

        // 3. The device removed from the configuration while the gateway is down: unenrolled after
        //    the settle time (the Modbus bus bundle is running and the device did not come back).
        gatewayOk("stop");
        Files.delete(etc.resolve("dev.palisade.bus.modbus.device-" + CHILD + ".cfg"));
        // ConfigAdmin keeps the configuration FileInstall made from that file; bin/palisade must
        // drop it at start (FileInstall forgets across restarts which ones it made), or the
        // device would come back by itself.
        Path persisted = data.resolve("config/dev/palisade/bus/modbus/device%007e" + CHILD + ".config");
        assertTrue("ConfigAdmin persisted the device's configuration at " + persisted, Files.exists(persisted));
        started(gateway("start"));
        assertFalse("bin/palisade start dropped the configuration of the removed file: " + persisted,
                Files.exists(persisted));
        await("the child still enrolled at first", 60, () -> childLine().startsWith(CHILD + " "));
        assertTrue("not unenrolled before the settle time: " + childLine(), childLine().matches(CHILD + " +enrolled .*"));
        await("the child unenrolled after the settle time, the hub confirming", 90,
                () -> childLine().matches(CHILD + " +unenrolled +custodial .*hub confirmed.*"));
        assertTrue("the gateway's log says why" + gatewayLogTail(), Files.readString(data.resolve("log/palisade.log"))
                .contains("child '" + CHILD + "' was removed from the gateway while it was down"));
        assertTrue("the hub logs the unenrollment" + hub.logTail(),
                hub.log().contains("gateway '" + GATEWAY + "': child '" + CHILD + "' unenrolled"));
    }

    private void assertStillEnrolledAfterStart(String when) throws Exception {
        started(gateway("start"));
        // The admin channel answers before every bundle is up: the first line the children command gives.
        await(when + ": bin/palisade children answers", 60, () -> childLine().startsWith(CHILD + " "));
        String shown = childLine();
        assertTrue(when + ": the child is enrolled from the moment the command answers (reloaded, not re-enrolled): " + shown,
                shown.matches(CHILD + " +enrolled +custodial +- .*"));
        await(when + ": the child's readings acknowledged by the hub at once", 60, () -> counter(ACKNOWLEDGED) >= 3);
        assertEquals(when + ": the hub refused none: " + gatewayOk("upstream"), 0, counter(REFUSED_BY_HUB));
        assertEquals(when + ": no new enrollment round at the hub" + hub.logTail(), 1, enrollmentsAtTheHub());
        assertTrue(when + ": " + childLine(), childLine().matches(CHILD + " +enrolled +custodial +- .*"));
    }

    private int enrollmentsAtTheHub() {
        return hub.log().split("gateway '" + GATEWAY + "': child '" + CHILD + "' enrolled", -1).length - 1;
    }

    // --- the gateway process ---

    private record Result(int exit, String output) {
    }

    private Result gateway(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(DistroOptions.home().resolve("bin/palisade").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("PALISADE_ETC", etc.toString());
        builder.environment().put("PALISADE_DATA", data.toString());
        Path out = Files.createTempFile(work, "out", ".txt");
        Process process = builder.redirectOutput(out.toFile()).start();
        if (!process.waitFor(150, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " did not finish within 150 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private String gatewayOk(String... arguments) throws Exception {
        Result result = gateway(arguments);
        if (result.exit() != 0) {
            throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " exited " + result.exit() + ": "
                    + result.output() + gatewayLogTail());
        }
        return result.output();
    }

    private void started(Result start) {
        if (start.exit() != 0 || !start.output().contains("Palisade started")) {
            throw new AssertionError("bin/palisade start: exit " + start.exit() + ": " + start.output() + gatewayLogTail());
        }
    }

    private long pid() throws IOException {
        return Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim());
    }

    private String childLine() {
        try {
            Result children = gateway("children");
            return children.output().lines().filter(l -> l.startsWith(CHILD + " ")).findFirst()
                    .orElse("(no line for " + CHILD + " in: " + children.output() + ")");
        } catch (Exception e) {
            return "bin/palisade children failed: " + e.getMessage();
        }
    }

    private long counter(Pattern counter) {
        try {
            String shown = gatewayOk("upstream");
            Matcher m = counter.matcher(shown);
            if (!m.find()) {
                throw new AssertionError("bin/palisade upstream shows no '" + counter.pattern() + "': " + shown);
            }
            return Long.parseLong(m.group(1));
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void awaitCommand(String line, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Result last;
        do {
            last = gateway(line.split(" "));
            if (last.exit() == 0) {
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(what + ": 'bin/palisade " + line + "' kept failing: " + last.output() + gatewayLogTail());
    }

    private String gatewayLogTail() {
        try {
            List<String> log = Files.readAllLines(data.resolve("log/palisade.log"));
            return "\npalisade.log ends:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size()));
        } catch (IOException e) {
            return "\n(no gateway log: " + e.getMessage() + ")";
        }
    }

    private void await(String what, long seconds, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "\n"
                        + gateway("children").output() + gateway("upstream").output() + hub.logTail() + gatewayLogTail());
            }
            Thread.sleep(300);
        }
    }

    // --- the parts around it ---

    /** The integrator's CA signs a CSR (a client certificate, CN from the request); writes leaf + CA. */
    private void issue(Path csr, Path chain) throws Exception {
        Path leaf = work.resolve(csr.getFileName() + ".cer");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", work.resolve("ca.pem").toString(), "-CAkey",
                work.resolve("ca.key").toString(), "-set_serial", String.valueOf(1 + new SecureRandom().nextInt(1 << 30)),
                "-days", "2", "-sha256", "-extfile", work.resolve("leaf.ext").toString(), "-out", leaf.toString());
        Files.writeString(chain, Files.readString(leaf) + Files.readString(work.resolve("ca.pem")));
    }

    private static void openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        ReferenceHub.command(command, "openssl " + arguments[0] + " (Debian package openssl)");
    }

    private int startDevice() throws Exception {
        int port = UpstreamItFixture.freePort();
        processes.add(new ProcessBuilder("/usr/bin/python3", System.getProperty("palisade.modbus.sim"), "tcp",
                Integer.toString(port)).redirectErrorStream(true).redirectOutput(work.resolve("modbus-sim.log").toFile()).start());
        UpstreamItFixture.await("the Modbus device listening on " + port, 20, () -> UpstreamItFixture.listening(port));
        return port;
    }

    private static void requirePymodbus() throws Exception {
        assertNotNull("system property palisade.modbus.sim must name modbus-sim.py (set by the pom)",
                System.getProperty("palisade.modbus.sim"));
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import pymodbus").redirectErrorStream(true).start();
        if (probe.waitFor() != 0) {
            fail("pymodbus is missing: install the Debian package python3-pymodbus");
        }
    }

    /** A fresh SoftHSM2 token directory with one token; returns its user PIN (the gateway reads SOFTHSM2_CONF at start). */
    private static String freshToken() throws Exception {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new AssertionError("SOFTHSM2_CONF is not set in the test JVM (Failsafe sets it)");
        }
        Path tokens = Path.of(conf).getParent().resolve("tokens");
        if (Files.exists(tokens)) {
            try (Stream<Path> old = Files.walk(tokens)) {
                for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(tokens);
        Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = String.valueOf(100_000_000 + new SecureRandom().nextInt(800_000_000));
        ReferenceHub.command(List.of("softhsm2-util", "--init-token", "--free", "--label", "restart-it", "--so-pin", pin + "9",
                "--pin", pin), "softhsm2-util --init-token (Debian package softhsm2)");
        return pin;
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : tree.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return to;
    }
}
