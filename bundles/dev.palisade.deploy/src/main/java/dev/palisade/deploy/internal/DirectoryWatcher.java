package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.Deployer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watched {@code deploy/} directory: a set ({@code *.zip}) copied there is submitted once its
 * size and modification time stayed the same for one interval (so a half-copied file is never
 * taken), then moved to {@code deploy/done/}; its outcome is written as
 * {@code deploy/done/NAME.zip.outcome}. A dropped file never allows a downgrade.
 */
final class DirectoryWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final Path directory;
    private final Duration interval;
    private final Deployer deployer;
    private final Map<Path, String> lastSeen = new HashMap<>();
    private final Set<Path> taken = new HashSet<>();
    private ScheduledExecutorService timer;

    DirectoryWatcher(Path directory, Duration interval, Deployer deployer) {
        this.directory = directory;
        this.interval = interval;
        this.deployer = deployer;
    }

    Path directory() {
        return directory;
    }

    synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "palisade-deploy-watch");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void stop() throws InterruptedException {
        timer.shutdownNow();
        if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("The deploy directory watcher did not stop within 10 s");
        }
    }

    private void poll() {
        try {
            if (!Files.isDirectory(directory)) {
                return; // switched on but not made (yet): nothing dropped
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(directory)) {
                files = list.filter(f -> f.getFileName().toString().endsWith(".zip") && Files.isRegularFile(f)).toList();
            }
            lastSeen.keySet().retainAll(files);
            for (Path file : files) {
                String signature = Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
                if (!signature.equals(lastSeen.put(file, signature)) || !taken.add(file)) {
                    continue; // new or still changing: look again next time
                }
                take(file);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot read the deploy directory {}: {}", directory, e.toString());
        }
    }

    private static void writeOutcome(Path outcomeFile, String text) {
        try {
            Files.writeString(outcomeFile, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.warn("Cannot write {}: {}", outcomeFile, e.toString());
        }
    }

    private void take(Path file) throws IOException {
        Path done = directory.resolve("done").resolve(file.getFileName());
        Path outcomeFile = done.resolveSibling(file.getFileName() + ".outcome");
        LOG.info("Update set {} dropped in {}", file.getFileName(), directory);
        Files.createDirectories(done.getParent());
        try {
            deployer.submit(file, DeployOptions.DEFAULT).whenComplete((outcome, failure) ->
                    writeOutcome(outcomeFile, failure != null ? "FAILED " + failure + "\n" : OutcomeText.format(outcome)));
        } catch (IOException e) {
            writeOutcome(outcomeFile, "FAILED " + e.getMessage() + "\n");
        } finally {
            Files.move(file, done, StandardCopyOption.REPLACE_EXISTING);
            taken.remove(file);
            lastSeen.remove(file);
        }
    }
}
