package dev.palisade.enroll.internal;

import java.time.Instant;
import java.util.Objects;

import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.HubReason;
import dev.palisade.api.enroll.ProofMode;

/**
 * What the gateway knows about one child, persisted by {@link StateFile}. Mutable, and changed
 * only on the enrollment thread; readers get the immutable {@link #state()}.
 */
final class ChildRecord {

    final String id;
    ProofMode mode;
    EnrollmentStatus status = EnrollmentStatus.PENDING;
    HubReason hubReason;
    String detail = "";
    Instant since;
    /** When the last proof round for this child started; null before the first. */
    Instant lastAttempt;
    /** SHA-256 of the leaf certificate last enrolled (or tried), hex; empty if none yet. */
    String leafSha = "";
    /** Failed attempts in a row, for the backoff. Not persisted: a restart starts afresh. */
    int failures;
    /** When the next attempt is due. Not persisted: due at start. */
    Instant due = Instant.EPOCH;
    /** The hub must still be told to forget this child (an unenroll not yet confirmed). */
    boolean hubMustForget;
    /** The operator unenrolled the child: not enrolled again until asked or its device returns. */
    boolean parked;
    /** Symbolic name of the bus bundle that last registered the child's device; empty if unknown. */
    String owner = "";

    ChildRecord(String id, ProofMode mode, Instant since) {
        this.id = Objects.requireNonNull(id, "id");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.since = Objects.requireNonNull(since, "since");
    }

    ChildState state() {
        return new ChildState(id, status, mode, status == EnrollmentStatus.REFUSED ? hubReason : null, detail, since);
    }

    /** Moves to a status (its time starts now unless the status stays the same). */
    void become(EnrollmentStatus next, HubReason reason, String why, Instant now) {
        if (next != status || reason != hubReason) {
            since = now;
        }
        status = next;
        hubReason = next == EnrollmentStatus.REFUSED ? Objects.requireNonNull(reason, "reason") : null;
        detail = why == null ? "" : why;
    }
}
