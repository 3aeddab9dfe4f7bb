package dev.palisade.api.deploy;

import java.time.Instant;
import java.util.Objects;

/**
 * How one update ended, as {@code palisade:deploy history} shows it. Immutable.
 *
 * @param id the update's id, unique on the gateway and stable across restarts; never {@code null}
 * @param status how it ended; never {@code null}
 * @param refusal why it was refused; non-{@code null} exactly when {@code status} is
 *        {@link DeployStatus#REFUSED}
 * @param rollbackCause why it was rolled back; non-{@code null} exactly when {@code status} is
 *        {@link DeployStatus#ROLLED_BACK}
 * @param detail one line for a field engineer naming what was wrong (the bundle that did not
 *        resolve and the missing requirement, the indicator that stayed down, the certificate
 *        that is not trusted) or, when applied, what changed; never {@code null}
 * @param set the set's contents, or {@code null} if it was refused before its manifest could be
 *        read or verified
 * @param submittedAt when the update was submitted; never {@code null}
 * @param startedAt when it left the queue and verification began; never {@code null}
 * @param finishedAt when it ended (for an interrupted update, when it was rolled back at the
 *        next start); never {@code null}
 */
public record DeployOutcome(String id, DeployStatus status, DeployRefusal refusal, RollbackCause rollbackCause,
        String detail, UpdateSetInfo set, Instant submittedAt, Instant startedAt, Instant finishedAt) {

    /** Validates that the fields are consistent. */
    public DeployOutcome {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(submittedAt, "submittedAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        if ((refusal != null) != (status == DeployStatus.REFUSED)
                || (rollbackCause != null) != (status == DeployStatus.ROLLED_BACK)) {
            throw new IllegalArgumentException("update " + id + ": status " + status
                    + " does not fit refusal " + refusal + " and rollback cause " + rollbackCause);
        }
        if (set == null && status != DeployStatus.REFUSED) {
            throw new IllegalArgumentException("update " + id + " was " + status + " without a known set");
        }
        if (startedAt.isBefore(submittedAt) || finishedAt.isBefore(startedAt)) {
            throw new IllegalArgumentException("update " + id + " has times out of order: submitted "
                    + submittedAt + ", started " + startedAt + ", finished " + finishedAt);
        }
    }
}
