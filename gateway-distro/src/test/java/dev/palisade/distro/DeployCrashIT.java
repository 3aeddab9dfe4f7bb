package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.palisade.api.upstream.LinkHandover;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The gateway process is killed (SIGKILL, as a power cut would stop it) in the middle of an
 * apply; at the next start the deployer puts the previous bundles back from its journal and says
 * so in the history. Runs the distribution through {@code bin/palisade}, as LauncherIT does.
 */
public class DeployCrashIT {
    /** A component that waits for a service nobody registers: the health gate waits until killed. */
    private static final String WAITING_COMPONENT = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"it.crash.waiting\""
            + " immediate=\"true\"><implementation class=\"it.crash.Waiting\"/>"
            + "<reference name=\"never\" interface=\"it.crash.NeverRegistered\"/></scr:component>\n";

    private Path home;
    private Path base;
    private Path data;
    private Path etc;

    @Before
    public void setUp() throws Exception {
        home = DistroOptions.home();
        base = TestDirectories.shortTempDirectory("palisade-crash-it");
        data = base.resolve("data");
        etc = base.resolve("etc");
        try (Stream<Path> files = Files.walk(home.resolve("etc"))) {
            for (Path f : files.toList()) {
                Path target = etc.resolve(home.resolve("etc").relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        DeployItTools.makePublishers(home, base.resolve("keys"));
        Files.copy(base.resolve("keys/Release-Root.cer"), etc.resolve("code-signing/release-root.pem"));
        // A long gate, so that the apply is surely still waiting in it when the process is killed.
        Files.writeString(etc.resolve("dev.palisade.deploy.cfg"), "health.gate.timeout.seconds=300\nwatch.directory=\n");
    }

    @After
    public void tearDown() throws Exception {
        launcher(120, "stop");
    }

    @Test
    public void anApplyInterruptedBySigkillIsRolledBackAtTheNextStart() throws Exception {
        assertEquals(0, launcher(120, "start").exitCode);
        Path jars = base.resolve("jars");
        Path good = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("good.zip"),
                DeployItTools.bundle(jars, "it.crash", "1.0.0"));
        Result applied = launcher(120, "deploy", good.toString());
        assertEquals(applied.toString(), 0, applied.exitCode);
        String bundlesBefore = bundlesLine(launcher(60, "status").out);

        String waiting = WAITING_COMPONENT;
        Path crash = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("crash.zip"),
                DeployItTools.bundle(jars, "it.crash", "2.0.0", Map.of("Service-Component", "OSGI-INF/waiting.xml"),
                        Map.of("OSGI-INF/waiting.xml", waiting.getBytes(StandardCharsets.UTF_8))),
                DeployItTools.bundle(jars, "it.crash.added", "1.0.0"));
        Process deploying = start("deploy", crash.toString());
        Path journal = data.resolve("deploy/journal.properties");
        waitFor(() -> Files.exists(journal) && log().contains("Changing it.crash.added: installed"), 60);
        kill();
        deploying.waitFor(30, TimeUnit.SECONDS);

        restartRollsBackTheInterruptedApply(journal, "it.crash 1.0.0 ACTIVE");
        Result status = launcher(60, "status");
        // Every bundle runs; the status says that the last update did not take, and why.
        assertTrue(status.toString(), status.out.startsWith("Palisade ") && status.out.contains(": DEGRADED"));
        assertTrue(status.toString(), status.out.contains("the last update was rolled back (INTERRUPTED)"));
        assertEquals("exactly the bundles of before: " + status, bundlesBefore, bundlesLine(status.out));
    }

    @Test
    public void aSideBySideApplyInterruptedBySigkillLeavesOnlyThePreviousBundleAtTheNextStart() throws Exception {
        // The journal is written before the new revision is installed beside the old one; the cache
        // is cleared at the next start, so the in-place undo finds one bundle of the name (Handover).
        assertEquals(0, launcher(120, "start").exitCode);
        Path jars = base.resolve("jars");
        Map<String, String> handover = Map.of(LinkHandover.HEADER, LinkHandover.CONTRACT);
        Path first = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("sbs-1.zip"),
                DeployItTools.bundle(jars, "it.crash.sbs", "1.0.0", handover, Map.of("v.txt", new byte[] {1})));
        Result applied = launcher(120, "deploy", first.toString());
        assertEquals(applied.toString(), 0, applied.exitCode);
        String bundlesBefore = bundlesLine(launcher(60, "status").out);

        Map<String, String> waiting = new java.util.HashMap<>(handover);
        waiting.put("Service-Component", "OSGI-INF/waiting.xml");
        Path crash = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("sbs-2.zip"),
                DeployItTools.bundle(jars, "it.crash.sbs", "2.0.0", waiting, Map.of("OSGI-INF/waiting.xml",
                        WAITING_COMPONENT.replace("it.crash.", "it.crash.sbs.").getBytes(StandardCharsets.UTF_8))));
        Process deploying = start("deploy", crash.toString());
        Path journal = data.resolve("deploy/journal.properties");
        waitFor(() -> Files.exists(journal)
                && log().contains("Changing it.crash.sbs: installed 2.0.0 beside the running 1.0.0"), 60);
        Thread.sleep(1000); // into the health gate, which waits for a service nobody registers
        kill();
        deploying.waitFor(30, TimeUnit.SECONDS);

        restartRollsBackTheInterruptedApply(journal, "it.crash.sbs 1.0.0 ACTIVE");
        assertEquals("exactly the bundles of before, one it.crash.sbs", bundlesBefore,
                bundlesLine(launcher(60, "status").out));
    }

    @Test
    public void anUpdateInterruptedWhileItWasRecordedRunsTheNewJarAfterTheRestart() throws Exception {
        // A factory bundle (from bundle/), so that the restart, which clears the framework cache,
        // brings back the factory jar: the deployer must put the new one over it again.
        assertEquals(0, launcher(120, "start").exitCode);
        Path shipped;
        try (Stream<Path> files = Files.list(home.resolve("bundle"))) {
            shipped = files.filter(f -> f.getFileName().toString().startsWith("dev.palisade.bus.modbus-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no dev.palisade.bus.modbus in " + home.resolve("bundle")));
        }
        Path rebuilt = DeployItTools.rebuilt(shipped, base.resolve("jars/modbus-9.jar"), Map.of("Bundle-Version", "9.0.0"));
        Path set = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("modbus.zip"), rebuilt);
        Result applied = launcher(120, "deploy", set.toString());
        assertEquals(applied.toString(), 0, applied.exitCode);
        assertEquals(0, launcher(120, "stop").exitCode);

        // Put the state back to where a crash after the health gate, while recording, leaves it:
        // journal in phase COMMITTING, the set's record not committed, the new jar not yet recorded.
        Path deploy = data.resolve("deploy");
        Path record;
        try (Stream<Path> dirs = Files.list(deploy.resolve("applied"))) {
            record = dirs.findFirst().orElseThrow();
        }
        Properties committed = new Properties();
        try (var in = Files.newInputStream(record.resolve("set.properties"))) {
            committed.load(in);
        }
        String id = record.getFileName().toString().substring("000001-".length());
        Properties journal = new Properties();
        for (String key : committed.stringPropertyNames()) {
            journal.setProperty(key.startsWith("change.") ? key : "set." + key, committed.getProperty(key));
        }
        journal.setProperty("id", id);
        journal.setProperty("kind", "update");
        journal.setProperty("phase", "COMMITTING");
        journal.setProperty("submittedAt", java.time.Instant.now().toString());
        journal.setProperty("startedAt", java.time.Instant.now().toString());
        journal.setProperty("record", record.toString());
        Path newJar = Path.of(committed.getProperty("change.0").split("\t")[2]);
        Files.createDirectories(newJar.getParent());
        Files.move(deploy.resolve("installed/dev.palisade.bus.modbus.jar"), newJar);
        Files.delete(deploy.resolve("installed/dev.palisade.bus.modbus.properties"));
        Files.delete(record.resolve("set.properties"));
        try (var out = Files.newOutputStream(deploy.resolve("journal.properties"))) {
            journal.store(out, null);
        }

        assertEquals(0, launcher(120, "start").exitCode);
        waitFor(() -> !Files.exists(deploy.resolve("journal.properties")), 120);
        Result history = launcher(60, "deploy", "history");
        assertTrue(history.toString(), history.out.lines().findFirst().orElse("")
                .contains("its recording was completed at the next start"));
        String list = launcher(60, "deploy", "list").out;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                !list.contains("dev.palisade.bus.modbus 9.0.0 ACTIVE") && System.nanoTime() < deadline; ) {
            Thread.sleep(500);
            list = launcher(60, "deploy", "list").out;
        }
        assertTrue("the new jar runs again, not the factory one the restart brought back: " + list,
                list.contains("dev.palisade.bus.modbus 9.0.0 ACTIVE"));
    }

    @Test
    public void theSetsInEffectSurviveARestartAndCanStillBeRolledBack() throws Exception {
        assertEquals(0, launcher(120, "start").exitCode);
        String factoryBundles = bundlesLine(launcher(60, "status").out);
        Path set = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("restart.zip"),
                DeployItTools.bundle(base.resolve("jars"), "it.restart", "1.0.0"));
        Result applied = launcher(120, "deploy", set.toString());
        assertEquals(applied.toString(), 0, applied.exitCode);

        assertEquals(0, launcher(120, "restart").exitCode);
        waitFor(() -> {
            try {
                return launcher(60, "deploy", "list").out.contains("it.restart 1.0.0 ACTIVE");
            } catch (Exception e) {
                return false;
            }
        }, 60);

        Result rollback = launcher(120, "deploy", "rollback");
        assertEquals(rollback.toString(), 0, rollback.exitCode);
        assertTrue(rollback.toString(), rollback.out.startsWith("APPLIED"));
        assertTrue(launcher(60, "deploy", "list").out.contains("No update set in effect"));
        assertEquals("back to exactly the factory bundles", factoryBundles, bundlesLine(launcher(60, "status").out));
    }

    /** SIGKILL to the gateway process, as a power cut stops it. */
    private void kill() throws IOException, InterruptedException {
        long pid = Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim());
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        waitFor(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), 30);
    }

    private static String bundlesLine(String status) {
        return status.lines().filter(l -> l.trim().startsWith("bundles ")).findFirst()
                .orElseThrow(() -> new AssertionError("no bundles line in " + status));
    }

    private record Result(int exitCode, String out) {
    }

    private Process start(String... arguments) throws IOException {
        return builder(arguments).redirectOutput(base.resolve("background.out").toFile()).start();
    }

    private ProcessBuilder builder(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/palisade").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("PALISADE_DATA", data.toString());
        builder.environment().put("PALISADE_ETC", etc.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return builder;
    }

    private Result launcher(int seconds, String... arguments) throws IOException, InterruptedException {
        Path out = Files.createTempFile(base, "out", ".txt");
        Process process = builder(arguments).redirectOutput(out.toFile()).start();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " did not finish in " + seconds + " s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private String log() {
        try {
            Path log = data.resolve("log/palisade.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void waitFor(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    /**
     * Starts the gateway again after a kill mid-apply and checks that it rolled the apply back:
     * the journal gone, the history's newest entry ROLLED_BACK INTERRUPTED, {@code running} in
     * {@code deploy list}.
     */
    private void restartRollsBackTheInterruptedApply(Path journal, String running) throws Exception {
        assertEquals(0, launcher(120, "start").exitCode);
        waitFor(() -> !Files.exists(journal), 120);
        Result history = launcher(60, "deploy", "history");
        assertTrue(history.toString(), history.out.lines().findFirst().orElse("").contains("ROLLED_BACK INTERRUPTED"));
        Result list = launcher(60, "deploy", "list");
        assertTrue("the previous set is in effect and running: " + list, list.out.contains(running));
    }
}
