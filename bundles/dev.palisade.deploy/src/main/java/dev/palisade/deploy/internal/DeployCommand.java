package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.deploy.UpdateSetInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code palisade:deploy FILE [--force] | list | history | rollback}, in the shell and through
 * {@code bin/palisade deploy}. Waits for the outcome; an update that is refused or rolled back
 * ends the command with an error carrying the reason, so {@code bin/palisade} exits with 1.
 */
@Component(service = DeployCommand.class)
@GogoCommand(scope = "palisade", function = {"deploy"})
public final class DeployCommand {
    static final String USAGE = """
            usage: deploy FILE [--force]   apply a signed update set (--force: allow a downgrade)
                   deploy list             the sets in effect, newest first, and what waits in the queue
                   deploy history          past updates and rollbacks, newest first
                   deploy rollback         return to the set before the current one""";

    private final Deployer deployer;
    private final BundleContext context;

    /**
     * @param deployer the gateway's deployer
     * @param context to show the versions running now
     */
    @Activate
    public DeployCommand(@Reference Deployer deployer, BundleContext context) {
        this.deployer = deployer;
        this.context = context;
    }

    /**
     * @param args the subcommand or the set file, and options
     * @return what happened
     * @throws Exception with the outcome text when the update was refused or rolled back
     */
    @Descriptor("apply a signed update set, list the sets in effect, show the history, or roll back")
    public String deploy(@Descriptor("FILE [--force] | list | history | rollback") String... args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException(USAGE);
        }
        return switch (args[0]) {
            case "list" -> list();
            case "history" -> history();
            case "rollback" -> outcome(deployer.rollback());
            case "help", "--help" -> USAGE;
            default -> {
                boolean force = List.of(args).subList(1, args.length).contains("--force");
                for (String a : List.of(args).subList(1, args.length)) {
                    if (!a.equals("--force")) {
                        throw new IllegalArgumentException("unknown option '" + a + "'\n" + USAGE);
                    }
                }
                Path file = Path.of(args[0]);
                if (!file.isAbsolute()) {
                    file = Path.of(System.getProperty("user.dir")).resolve(file);
                }
                yield outcome(deployer.submit(file, new DeployOptions(force)));
            }
        };
    }

    private String list() {
        StringBuilder text = new StringBuilder();
        List<UpdateSetInfo> applied = deployer instanceof DeployerComponent c ? c.applied()
                : deployer.current().map(List::of).orElse(List.of());
        if (applied.isEmpty()) {
            text.append("No update set in effect: the gateway runs the bundles it was installed with.\n");
        }
        for (int i = 0; i < applied.size(); i++) {
            text.append(i == 0 ? "current:\n" : "under it (rollback returns to the next):\n");
            text.append(OutcomeText.set(applied.get(i), "  "));
        }
        if (!applied.isEmpty()) {
            text.append("running now:\n");
            for (var b : applied.get(0).bundles()) {
                Bundle running = null;
                for (Bundle candidate : context.getBundles()) {
                    if (candidate.getSymbolicName() != null && candidate.getSymbolicName().equals(b.symbolicName())) {
                        running = candidate;
                    }
                }
                text.append("  ").append(b.symbolicName()).append(' ').append(running == null ? "not installed"
                        : running.getVersion() + " " + state(running.getState())).append('\n');
            }
        }
        if (deployer instanceof DeployerComponent c) {
            text.append("queued: ").append(c.queued()).append('\n');
        }
        return text.toString();
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }

    private String history() {
        List<DeployOutcome> outcomes = deployer.history();
        if (outcomes.isEmpty()) {
            return "No update yet.";
        }
        StringBuilder text = new StringBuilder();
        outcomes.forEach(o -> text.append(OutcomeText.line(o)).append('\n'));
        return text.toString();
    }

    private static String outcome(CompletionStage<DeployOutcome> stage) throws Exception {
        DeployOutcome outcome;
        try {
            outcome = stage.toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the update failed inside the deployer: " + e.getCause(), e.getCause());
        }
        String text = OutcomeText.format(outcome);
        if (outcome.status() != DeployStatus.APPLIED) {
            throw new IllegalStateException(text.strip());
        }
        return text;
    }
}
