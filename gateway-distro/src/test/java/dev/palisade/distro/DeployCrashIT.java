package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

        String waiting = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"it.crash.waiting\""
                + " immediate=\"true\"><implementation class=\"it.crash.Waiting\"/>"
                + "<reference name=\"never\" interface=\"it.crash.NeverRegistered\"/></scr:component>\n";
        Path crash = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("crash.zip"),
                DeployItTools.bundle(jars, "it.crash", "2.0.0", Map.of("Service-Component", "OSGI-INF/waiting.xml"),
                        Map.of("OSGI-INF/waiting.xml", waiting.getBytes(StandardCharsets.UTF_8))),
                DeployItTools.bundle(jars, "it.crash.added", "1.0.0"));
        Process deploying = start("deploy", crash.toString());
        Path journal = data.resolve("deploy/journal.properties");
        waitFor(() -> Files.exists(journal) && log().contains("Changing it.crash.added: installed"), 60);
        long pid = Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim());
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        waitFor(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), 30);
        deploying.waitFor(30, TimeUnit.SECONDS);

        assertEquals(0, launcher(120, "start").exitCode);
        waitFor(() -> !Files.exists(journal), 120);
        Result history = launcher(60, "deploy", "history");
        assertTrue(history.toString(), history.out.lines().findFirst().orElse("").contains("ROLLED_BACK INTERRUPTED"));
        Result list = launcher(60, "deploy", "list");
        assertTrue("the previous set is in effect and running: " + list, list.out.contains("it.crash 1.0.0 ACTIVE"));
        Result status = launcher(60, "status");
        // Every bundle runs; the status says that the last update did not take, and why.
        assertTrue(status.toString(), status.out.startsWith("Palisade ") && status.out.contains(": DEGRADED"));
        assertTrue(status.toString(), status.out.contains("the last update was rolled back (INTERRUPTED)"));
        assertEquals("exactly the bundles of before: " + status, bundlesBefore, bundlesLine(status.out));
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
}
