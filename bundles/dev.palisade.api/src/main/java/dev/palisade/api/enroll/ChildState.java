package dev.palisade.api.enroll;

import java.time.Instant;
import java.util.Objects;

/**
 * A child's enrollment state, as {@code palisade:children} shows it. Immutable.
 *
 * @param childId the child's id (the {@code LeafDevice} id); never {@code null}
 * @param status where the child stands; never {@code null}
 * @param mode the proof mode used for the child, chosen from its capabilities (a signer:
 *        relay; a verified TLS identity: attest; neither: custodial); never {@code null}
 * @param hubReason the hub's reason; non-{@code null} exactly when {@code status} is
 *        {@link EnrollmentStatus#REFUSED}
 * @param detail one line for a field engineer: the hub's message for a refusal, the local error
 *        and the next retry for a pending child; never {@code null}, may be empty
 * @param since when the child entered this status; never {@code null}
 */
public record ChildState(String childId, EnrollmentStatus status, ProofMode mode, HubReason hubReason,
        String detail, Instant since) {

    /** Validates the fields. */
    public ChildState {
        Objects.requireNonNull(childId, "childId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(since, "since");
        if ((hubReason != null) != (status == EnrollmentStatus.REFUSED)) {
            throw new IllegalArgumentException("child " + childId + ": a hub reason is given exactly when"
                    + " the status is REFUSED, got " + status + " with " + hubReason);
        }
    }
}
