package dev.palisade.api.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Applies signed update sets to the running gateway, one at a time.
 *
 * <p>An update is verified completely (signature, publisher, digests, versions) before anything
 * is installed; then it is installed, only the bundles depending on the changed ones are
 * refreshed, and the health gate must pass within the configured time. If anything fails after
 * the first change, the gateway is rolled back to exactly the previous bundles and state. An
 * update interrupted by a crash is completed or rolled back at the next start, never left
 * half-applied. Bundles not in the set keep running undisturbed.
 *
 * <p>Thread-safe. Updates and rollbacks queue and run one at a time in submission order. The
 * returned stages complete when the update ends, which may take as long as the health gate
 * timeout; they complete on a thread of the deploy bundle. If the deploy bundle stops before an
 * update ends (for example because the set updates it), the stage never completes and the outcome
 * is in {@link #history()} after the next start.
 */
@ProviderType
public interface Deployer {

    /**
     * Copies an update set into the staging area and queues it. The caller may delete the file
     * once this method returns.
     *
     * @param updateSet the update set file; never {@code null}
     * @param options what the operator allows; never {@code null}
     * @return completes with the outcome: {@link DeployStatus#APPLIED},
     *         {@link DeployStatus#ROLLED_BACK} or {@link DeployStatus#REFUSED} with the reason;
     *         a refusal or a rollback is an outcome, not an exceptional completion. It completes
     *         exceptionally only when the deployer itself fails (its state directory cannot be
     *         written): then nothing was changed, or the apply journal undoes the change at the
     *         next start
     * @throws IOException if the file cannot be read or staged (the message names the file and
     *         the error); nothing was queued
     */
    CompletionStage<DeployOutcome> submit(Path updateSet, DeployOptions options) throws IOException;

    /**
     * @return the set last applied and in effect, or empty if the gateway still runs the bundles
     *         it was installed with
     */
    Optional<UpdateSetInfo> current();

    /**
     * @return the outcomes of past updates and rollbacks, newest first, as many as configured to
     *         be kept; never {@code null}
     */
    List<DeployOutcome> history();

    /**
     * Queues a return to the set that was in effect before the current one (kept across
     * restarts), through the same apply and health gate as an update. The previous set was
     * verified when it was applied; it is not refused as a downgrade.
     *
     * @return completes with the outcome: {@link DeployStatus#APPLIED} with the previous set,
     *         {@link DeployStatus#ROLLED_BACK} if returning failed (the current set stays), or
     *         {@link DeployStatus#REFUSED} with {@link DeployRefusal#NOTHING_TO_ROLL_BACK}
     */
    CompletionStage<DeployOutcome> rollback();
}
