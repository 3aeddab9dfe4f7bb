package dev.palisade.distro;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.junit.runner.Result;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;

/**
 * Failsafe run listener (configured in gateway-distro/pom.xml), one per forked JVM, which runs one IT class
 * (reuseForks=false). When the class has finished:
 * <ul>
 * <li>every process this JVM started and that is still running (brokers, hubs, simulators, socat, gateways
 * and whatever their wrapper scripts spawned) is killed, passed or failed, so none outlives its test class,
 * and so is every process whose command line names one of the class's {@link TestDirectories} (daemons
 * such as a gateway or hub started with {@code start}, which are no descendants); a JVM shutdown hook does
 * the same when the run is interrupted;</li>
 * <li>the directories made by {@link TestDirectories} are deleted if every test passed, or kept with one line
 * saying where if one failed or {@code -Dpalisade.keep.test.dirs=true}. A run that never finishes (killed,
 * timed out) keeps them too: nothing is known about its outcome.</li>
 * </ul>
 */
public class ItCleanupListener extends RunListener {

    private volatile boolean failed;

    public ItCleanupListener() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            killChildren();
            killUsersOf(TestDirectories.drain()); // empty after a finished run; the directories stay
        }, "it-kill-children"));
    }

    @Override
    public void testFailure(Failure failure) {
        failed = true;
    }

    @Override
    public void testRunFinished(Result result) {
        killChildren();
        List<Path> made = TestDirectories.drain();
        killUsersOf(made);
        if (made.isEmpty()) {
            return;
        }
        boolean keep = Boolean.getBoolean(TestDirectories.KEEP_PROPERTY);
        if (failed || !result.wasSuccessful() || keep) {
            System.out.println("[palisade] test directories kept for investigation"
                    + (keep ? " (-D" + TestDirectories.KEEP_PROPERTY + "=true)" : " (a test failed)") + ": "
                    + made.stream().map(Path::toString).collect(Collectors.joining(" ")));
            return;
        }
        for (Path dir : made) {
            try {
                TestDirectories.deleteRecursively(dir);
            } catch (IOException e) {
                System.out.println("[palisade] " + e.getMessage() + ": " + e.getCause());
            }
        }
    }

    /**
     * Kills every process whose command line names one of {@code dirs}: a gateway or hub started with
     * {@code start} daemonizes, so it is no descendant of this JVM, but its command line names its data
     * directory under this test's directory. The directories have random names: no other run's process
     * matches.
     */
    static void killUsersOf(List<Path> dirs) {
        if (dirs.isEmpty()) {
            return;
        }
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> left = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && p.isAlive())
                .filter(p -> p.info().commandLine()
                        .map(command -> dirs.stream().anyMatch(dir -> names(command, dir)))
                        .orElse(false))
                .flatMap(p -> java.util.stream.Stream.concat(p.descendants(), java.util.stream.Stream.of(p)))
                .distinct()
                .toList();
        kill(left);
    }

    private static boolean names(String command, Path dir) {
        String path = dir.toString();
        return command.contains(path + "/") || command.contains(path + " ") || command.endsWith(path);
    }

    /** Kills every descendant of this JVM, children before parents' exit is awaited; names what it found. */
    static void killChildren() {
        kill(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList());
    }

    private static void kill(List<ProcessHandle> left) {
        if (left.isEmpty()) {
            return;
        }
        System.out.println("[palisade] killing processes the tests left running: " + left.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).collect(Collectors.joining("; ")));
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : left) {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                System.out.println("[palisade] process " + process.pid() + " did not exit after SIGKILL");
            }
        }
    }
}
