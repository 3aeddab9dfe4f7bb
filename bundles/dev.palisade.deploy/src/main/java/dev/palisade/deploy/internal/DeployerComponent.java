package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.deploy.UpdateSetInfo;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.deploy.internal.set.CodeSigningAnchors;
import dev.palisade.deploy.internal.set.UpdateSetVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link Deployer}: a queue served by one thread, so that updates and rollbacks run
 * one at a time in submission order; at activation it first finishes or undoes an apply that a
 * crash interrupted. The watched {@code deploy/} directory feeds the same queue. Immediate: the
 * recovery and the watch must run at start-up, not when someone first asks for the service.
 */
@Component(service = Deployer.class, configurationPid = DeployerComponent.PID, immediate = true)
@Designate(ocd = DeployerComponent.Config.class)
public final class DeployerComponent implements Deployer {
    static final String PID = "dev.palisade.deploy";
    private static final Logger LOG = LoggerFactory.getLogger(DeployerComponent.class);

    @ObjectClassDefinition(name = "Palisade deploy",
            description = "Signed bundle updates: where sets are kept, which publishers are trusted, the health gate.")
    @interface Config {
        @AttributeDefinition(name = "Directory", description = "The deployer's state: staging, apply journal, sets in"
                + " effect with the jars they replaced, history. Relative to the gateway's data directory.")
        String directory() default "deploy";

        @AttributeDefinition(name = "Code-signing anchors", description = "A directory of PEM certificates (or one PEM"
                + " file) of the CAs whose publishers may sign update sets. Relative to the gateway's etc directory."
                + " Separate from device and hub anchors. Read again for every set.")
        String code_signing_anchors() default "code-signing";

        @AttributeDefinition(name = "Health gate timeout (s)", description = "How long an applied set has to make every"
                + " component of its bundles satisfied, the health checks serving and the upstream link UP again.")
        int health_gate_timeout_seconds() default 60;

        @AttributeDefinition(name = "Refresh timeout (s)", description = "How long the framework may take to refresh"
                + " the changed bundles and those depending on them.")
        int refresh_timeout_seconds() default 60;

        @AttributeDefinition(name = "History size", description = "How many outcomes 'deploy history' keeps.")
        int history_size() default 100;

        @AttributeDefinition(name = "Largest bundle (bytes)", description = "Bundles larger than this are refused.")
        long max_bundle_bytes() default 64L * 1024 * 1024;

        @AttributeDefinition(name = "Watched directory", description = "Update sets (*.zip) dropped here are applied"
                + " (never as a downgrade); the outcome is written next to them as NAME.zip.outcome. Relative to the"
                + " gateway's home directory; empty to switch the watch off.")
        String watch_directory() default "deploy";

        @AttributeDefinition(name = "Watch interval (ms)", description = "How often the watched directory is read. A"
                + " file is taken once its size and time stayed the same for one interval.")
        long watch_interval_ms() default 2000;
    }

    private final BundleContext context;
    private final DeployStore store;
    private final Applier applier;
    private final Path anchors;
    private final long maxBundleBytes;
    private final Clock clock = Clock.systemUTC();
    private final ExecutorService worker;
    private final AtomicInteger queued = new AtomicInteger();
    private final DirectoryWatcher watcher;
    private final UpdateRunner runner;
    private final ServiceRegistration<HealthIndicator> health;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<HealthIndicator> indicators;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HubLink link;

    /**
     * @param config the typed configuration
     * @param context this bundle's context: the framework it updates, and the gateway's directories
     * @throws IOException if the state directory cannot be created (the message names it)
     */
    @Activate
    public DeployerComponent(Config config, BundleContext context) throws IOException {
        this.context = context;
        this.store = new DeployStore(directory(context, "palisade.data", config.directory()),
                Math.max(1, config.history_size()));
        this.anchors = directory(context, "palisade.etc", config.code_signing_anchors());
        this.maxBundleBytes = config.max_bundle_bytes();
        HealthGate gate = new HealthGate(() -> scr, () -> {
            List<HealthIndicator> current = indicators;
            return current == null ? List.of() : current;
        }, () -> link);
        this.applier = new Applier(new BundleOps(context, Duration.ofSeconds(config.refresh_timeout_seconds())), store,
                gate, Duration.ofSeconds(config.health_gate_timeout_seconds()), context.getBundle());
        this.runner = new UpdateRunner(store, applier, this::verifier, clock);
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "palisade-deploy");
            thread.setDaemon(true);
            return thread;
        });
        worker.execute(() -> runner.recover(context));
        this.watcher = config.watch_directory().isBlank() ? null
                : new DirectoryWatcher(directory(context, "palisade.home", config.watch_directory()),
                        Duration.ofMillis(Math.max(100, config.watch_interval_ms())), this);
        if (watcher != null) {
            watcher.start();
        }
        this.health = context.registerService(HealthIndicator.class, new DeployHealth(this), null);
        LOG.info("Deployer ready: state in {}, code-signing anchors from {}{}", store.root(), anchors,
                watcher == null ? "" : ", watching " + watcher.directory());
    }

    private UpdateSetVerifier verifier() throws IOException {
        return new UpdateSetVerifier(CodeSigningAnchors.load(anchors), anchors.toString(), maxBundleBytes);
    }

    @Override
    public CompletionStage<DeployOutcome> submit(Path updateSet, DeployOptions options) throws IOException {
        return submit(updateSet, options, DeployProgress.NONE);
    }

    /** {@link #submit(Path, DeployOptions)} telling {@code progress} where the update is. */
    CompletionStage<DeployOutcome> submit(Path updateSet, DeployOptions options, DeployProgress progress)
            throws IOException {
        String id = UpdateRunner.newId(clock);
        Path staged = store.staging(id);
        try {
            Files.copy(updateSet, staged, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(staged);
            throw new IOException("cannot stage " + updateSet + ": " + e.getMessage(), e);
        }
        LOG.info("Update {} queued from {}{}", id, updateSet, options.allowDowngrade() ? " (downgrade allowed)" : "");
        int ahead = queued.get();
        DeployProgress.report(progress, id, DeployProgress.Stage.STAGED, ahead == 0 ? "queued" : "queued behind " + ahead);
        return enqueue(() -> runner.update(id, staged, options, clock.instant(), progress));
    }

    @Override
    public CompletionStage<DeployOutcome> rollback() {
        String id = UpdateRunner.newId(clock);
        LOG.info("Rollback {} queued", id);
        java.time.Instant submitted = clock.instant();
        return enqueue(() -> runner.rollback(id, submitted));
    }

    private CompletionStage<DeployOutcome> enqueue(UpdateRunner.Task task) {
        CompletableFuture<DeployOutcome> outcome = new CompletableFuture<>();
        queued.incrementAndGet();
        worker.execute(() -> {
            queued.decrementAndGet();
            try {
                outcome.complete(task.run());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome.completeExceptionally(e);
            } catch (Exception | Error e) {
                LOG.error("Update failed inside the deployer: {}", e.toString(), e);
                outcome.completeExceptionally(e);
            }
        });
        return outcome;
    }

    /** @return how many updates or rollbacks wait behind the one running */
    int queued() {
        return queued.get();
    }

    @Override
    public Optional<UpdateSetInfo> current() {
        return runner.current();
    }

    @Override
    public List<DeployOutcome> history() {
        return store.history();
    }

    /** @return the sets in effect, newest first */
    List<UpdateSetInfo> applied() {
        return runner.applied();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            health.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and the framework unregistered it first
        }
        if (watcher != null) {
            watcher.stop();
        }
        worker.shutdownNow();
        if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("The deploy worker did not stop within 30 s");
        }
    }

    static Path directory(BundleContext context, String property, String configured) {
        Path path = Path.of(configured);
        if (path.isAbsolute()) {
            return path;
        }
        String base = context.getProperty(property);
        return base != null ? Path.of(base).resolve(path) : context.getDataFile(configured).toPath();
    }
}
