package dev.palisade.api.enroll;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's enrollment of its children with the hub.
 *
 * <p>Enrollment runs by itself: a child found on a bus is enrolled, re-enrolled when its
 * certificate changes and unenrolled when it is removed from the configuration (not when its bus
 * bundle is merely updated). The methods here let an operator look and push. States survive
 * restarts. Thread-safe; the stage-returning methods never block, and their stages complete on a
 * thread of the enrollment bundle.
 *
 * <p>A refusal by the hub is not a failure of these methods: it is a state,
 * {@link EnrollmentStatus#REFUSED} with a {@link HubReason}.
 */
@ProviderType
public interface Enrollment {

    /** @return the state of every known child, sorted by child id; never {@code null} */
    List<ChildState> children();

    /**
     * @param childId a child's id; never {@code null}
     * @return the child's state, or empty if no such child is known
     */
    Optional<ChildState> child(String childId);

    /**
     * Attempts to enroll a child now, skipping any backoff. Concurrent requests for the same
     * child, and children pending at the same time, may be proven in one batch.
     *
     * @param childId a known child's id; never {@code null}
     * @return completes with the child's state after the attempt: {@code ENROLLED},
     *         {@code REFUSED} with the hub's reason, or {@code PENDING} with the local error in
     *         the detail (it will be retried); completes exceptionally with an
     *         {@link IllegalArgumentException} naming the id if no such child is known
     */
    CompletionStage<ChildState> enroll(String childId);

    /**
     * Tells the hub to forget this gateway as the child's parent, and stops enrolling the child
     * until {@link #enroll} is called for it or its device is added again.
     *
     * @param childId a known child's id; never {@code null}
     * @return completes with the child's state, {@code UNENROLLED}: at once the gateway no longer
     *         sends for the child; the detail says whether the hub confirmed, and if it could not
     *         be told yet the gateway keeps telling it in the background. Completes exceptionally
     *         with an {@link IllegalArgumentException} naming the id if no such child is known
     */
    CompletionStage<ChildState> unenroll(String childId);
}
