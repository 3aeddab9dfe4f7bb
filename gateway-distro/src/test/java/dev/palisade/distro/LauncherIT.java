package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Drives {@code bin/palisade} of the assembled distribution as an operator does, in real
 * processes: start, status, commands, stop, the foreground mode, and recovery after a kill.
 */
public class LauncherIT {

    private Path home;
    private Path data;
    private final List<Process> foreground = new ArrayList<>();

    /** What a run of the launcher printed, and how it exited. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Before
    public void setUp() {
        home = DistroOptions.home();
        data = TestDirectories.shortTempDirectory("palisade-launcher-it").resolve("data");
    }

    @After
    public void tearDown() throws Exception {
        launcher("stop");
        for (Process process : foreground) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void startStatusCommandAndStop() throws Exception {
        Result start = launcher("start");
        assertEquals(start.toString(), 0, start.exitCode());
        assertTrue(start.toString(), start.out().startsWith("Palisade started (pid "));
        long pid = Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim());
        assertTrue("the pid file names a live process", ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        Result status = launcher("status");
        assertEquals(status.toString(), 0, status.exitCode());
        assertTrue(status.toString(), status.out().matches("(?s)Palisade \\S+: UP\n.*"));
        assertTrue(status.toString(), status.out().contains("data        " + data));

        Result again = launcher("start");
        assertEquals(again.toString(), 0, again.exitCode());
        assertTrue(again.toString(), again.out().contains("already running (pid " + pid + ")"));

        Result unknown = launcher("frobnicate");
        assertEquals(unknown.toString(), 2, unknown.exitCode());
        assertTrue(unknown.toString(), unknown.err().contains("unknown command 'frobnicate'"));

        Result stop = launcher("stop");
        assertEquals(stop.toString(), 0, stop.exitCode());
        assertEquals("Palisade stopped (pid " + pid + ")\n", stop.out());
        assertFalse("the gateway process is gone", ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse("the pid file is removed", Files.exists(data.resolve("palisade.pid")));
        assertFalse("the admin socket is removed on a clean shutdown", Files.exists(data.resolve("run/admin.sock")));
        assertTrue("the shutdown reached the log", log().contains("Admin channel closed"));

        Result after = launcher("status");
        assertEquals(after.toString(), 3, after.exitCode());
        assertTrue(after.toString(), after.out().startsWith("Palisade is not running"));
    }

    @Test
    public void startsAgainAfterBeingKilled() throws Exception {
        assertEquals(0, launcher("start").exitCode());
        long pid = Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim());
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        assertTrue(process.destroyForcibly()); // SIGKILL: no shutdown hook runs
        process.onExit().get(10, TimeUnit.SECONDS);
        assertTrue("a killed gateway leaves its socket behind", Files.exists(data.resolve("run/admin.sock")));

        Result status = launcher("status");
        assertEquals(status.toString(), 3, status.exitCode());

        Result start = launcher("start");
        assertEquals("a stale pid file and socket do not block the next start: " + start, 0, start.exitCode());
        assertEquals(0, launcher("status").exitCode());
    }

    @Test
    public void runsInTheForegroundWithoutATerminalAndStopsOnSigterm() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/palisade").toString(), "run")
                .redirectErrorStream(true)
                .redirectOutput(data.getParent().resolve("foreground.out").toFile());
        builder.environment().putAll(environment());
        Process run = builder.start();
        foreground.add(run);
        waitFor(() -> Files.exists(data.resolve("run/admin.sock")), Duration.ofSeconds(60));
        assertEquals("run keeps its pid for the JVM (exec)", run.pid(),
                Long.parseLong(Files.readString(data.resolve("palisade.pid")).trim()));

        Result second = launcher("run");
        assertEquals("a second gateway on the same data directory is refused: " + second, 1, second.exitCode());
        assertTrue(second.toString(), second.err().contains("already running (pid " + run.pid() + ")"));

        assertEquals(0, launcher("status").exitCode());
        run.destroy(); // SIGTERM
        assertTrue("the gateway stops within 30 s of SIGTERM", run.waitFor(30, TimeUnit.SECONDS));
        assertTrue("the shutdown was clean", log().contains("Admin channel closed"));
        assertFalse(Files.exists(data.resolve("run/admin.sock")));
    }

    @Test
    public void directoriesComeFromTheEnvironment() throws Exception {
        Path logs = data.getParent().resolve("elsewhere-logs");
        Result start = launcher(Map.of("PALISADE_LOG", logs.toString()), "start");
        assertEquals(start.toString(), 0, start.exitCode());
        // The socket opens before its "listening" line is logged (on Felix's event thread): wait for the line.
        assertTrue("the log goes to PALISADE_LOG", logEventually(logs.resolve("palisade.log"), "Admin channel listening"));
        Result status = launcher(Map.of("PALISADE_LOG", logs.toString()), "status");
        assertTrue(status.toString(), status.out().contains("log         " + logs));
        assertEquals(0, launcher(Map.of("PALISADE_LOG", logs.toString()), "stop").exitCode());
    }

    @Test
    public void helpExplainsEveryCommand() throws Exception {
        Result help = launcher("help");
        assertEquals(0, help.exitCode());
        for (String command : List.of("run", "start", "stop", "restart", "status")) {
            assertTrue(help.toString(), help.out().contains("\n  " + command));
        }
    }

    private static boolean logEventually(Path log, String line) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return true;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return false;
    }

    private Map<String, String> environment() {
        return Map.of("PALISADE_DATA", data.toString());
    }

    private Result launcher(String... arguments) throws IOException, InterruptedException {
        return launcher(Map.of(), arguments);
    }

    private Result launcher(Map<String, String> extraEnvironment, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/palisade").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment());
        builder.environment().putAll(extraEnvironment);
        Path out = Files.createTempFile(data.getParent(), "out", ".txt");
        Path err = Files.createTempFile(data.getParent(), "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " did not finish within 120 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private String log() throws IOException {
        return Files.readString(data.resolve("log/palisade.log"), StandardCharsets.UTF_8);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
