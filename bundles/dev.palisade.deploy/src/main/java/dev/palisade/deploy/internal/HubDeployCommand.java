package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.upstream.CommandHandler;
import dev.palisade.api.upstream.ProgressiveCommandHandler;
import dev.palisade.lib.json.Json;
import java.util.function.Consumer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's {@code deploy} command: the request payload is an update set file (the ZIP, as
 * {@code bin/palisade bundle sign} writes it). While the update runs, progress reports go to the
 * request's Response Topic (user property {@code palisade-status: progress}):
 * <pre>{"v":1,"id":"…","stage":"STAGED|VERIFIED|APPLYING|HEALTH_GATE|ROLLING_BACK","detail":"…"}</pre>
 * and the answer, once the update has ended, is
 * <pre>{"v":1,"id":"…","status":"APPLIED|REFUSED|ROLLED_BACK","refusal":"…","cause":"…","detail":"…","set":"sha256"}</pre>
 * with {@code refusal}, {@code cause} and {@code set} present when they apply. A set from the hub
 * is never applied as a downgrade. It goes through the same queue, checks and gate as any other.
 */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=deploy")
public final class HubDeployCommand implements ProgressiveCommandHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HubDeployCommand.class);

    private final Deployer deployer;
    private final Path incoming;

    /**
     * @param deployer the gateway's deployer
     * @param context for a scratch directory in the bundle's storage
     */
    @Activate
    public HubDeployCommand(@Reference Deployer deployer, BundleContext context) {
        this.deployer = deployer;
        this.incoming = context.getDataFile("hub-sets").toPath();
    }

    @Override
    public CompletionStage<byte[]> handle(String childId, String command, byte[] payload) {
        return handle(childId, command, payload, report -> { });
    }

    @Override
    public CompletionStage<byte[]> handle(String childId, String command, byte[] payload, Consumer<byte[]> progress) {
        if (childId != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "deploy is a command for the gateway, not for child '" + childId + "'"));
        }
        Path file = null;
        try {
            Files.createDirectories(incoming);
            file = Files.createTempFile(incoming, "set-", ".zip");
            Files.write(file, payload);
            LOG.info("Update set of {} bytes received from the hub", payload.length);
            Path received = file;
            DeployProgress reports = (id, stage, detail) -> progress.accept(progress(id, stage, detail));
            // The deployer of this bundle reports its stages; another Deployer implementation only its outcome.
            CompletionStage<DeployOutcome> outcome = deployer instanceof DeployerComponent own
                    ? own.submit(file, DeployOptions.DEFAULT, reports) : deployer.submit(file, DeployOptions.DEFAULT);
            return outcome.whenComplete((o, e) -> delete(received))
                    .thenApply(HubDeployCommand::answer);
        } catch (IOException e) {
            delete(file);
            return CompletableFuture.failedFuture(new IOException("cannot stage the set from the hub: " + e.getMessage(), e));
        }
    }

    static byte[] progress(String id, DeployProgress.Stage stage, String detail) {
        return ("{\"v\":1,\"id\":" + Json.string(id) + ",\"stage\":" + Json.string(stage.name())
                + ",\"detail\":" + Json.string(detail) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] answer(DeployOutcome o) {
        StringBuilder json = new StringBuilder("{\"v\":1,\"id\":").append(Json.string(o.id()))
                .append(",\"status\":").append(Json.string(o.status().name()));
        if (o.refusal() != null) {
            json.append(",\"refusal\":").append(Json.string(o.refusal().name()));
        }
        if (o.rollbackCause() != null) {
            json.append(",\"cause\":").append(Json.string(o.rollbackCause().name()));
        }
        json.append(",\"detail\":").append(Json.string(o.detail()));
        if (o.set() != null) {
            json.append(",\"set\":").append(Json.string(o.set().sha256()));
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void delete(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.debug("Could not delete {}: {}", file, e.toString());
            }
        }
    }
}
