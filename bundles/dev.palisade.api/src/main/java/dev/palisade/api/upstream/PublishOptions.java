package dev.palisade.api.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * How the spool treats a published message. Immutable.
 *
 * <p>There is no QoS choice on purpose: everything accepted travels at least once, end to end
 * (QoS 1 to the hub, removed from the spool only after the hub's acknowledgement). A "fire and
 * forget" option would silently void the promise that nothing accepted is lost.
 *
 * @param priority 0 (least urgent) to 9 (most urgent). Higher priorities are sent first after an
 *        outage, and the drop-oldest overflow policy drops the lowest priority first.
 * @param timeToLive how long the message is worth sending, counted from acceptance; a message
 *        older than that is discarded unsent and counted as expired. {@code null} for the spool's
 *        configured default time to live (none unless the operator sets one); otherwise positive.
 */
public record PublishOptions(int priority, Duration timeToLive) {

    /** The priority of {@link #DEFAULT}: the middle of the range, leaving room above for alarms. */
    public static final int DEFAULT_PRIORITY = 4;

    /** Priority {@value #DEFAULT_PRIORITY}, the spool's default time to live: ordinary telemetry. */
    public static final PublishOptions DEFAULT = new PublishOptions(DEFAULT_PRIORITY, null);

    /** Validates the fields. */
    public PublishOptions {
        if (priority < 0 || priority > 9) {
            throw new IllegalArgumentException("priority must be 0 to 9, got " + priority);
        }
        if (timeToLive != null && (timeToLive.isZero() || timeToLive.isNegative())) {
            throw new IllegalArgumentException("time to live must be positive or absent, got " + timeToLive);
        }
    }

    /**
     * @param priority 0 to 9
     * @return options with that priority and the spool's default time to live
     */
    public static PublishOptions priority(int priority) {
        return new PublishOptions(priority, null);
    }

    /**
     * @param timeToLive a positive duration
     * @return these options with that time to live
     */
    public PublishOptions withTimeToLive(Duration timeToLive) {
        return new PublishOptions(priority, Objects.requireNonNull(timeToLive, "timeToLive"));
    }
}
