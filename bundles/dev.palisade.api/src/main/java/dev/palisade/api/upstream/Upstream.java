package dev.palisade.api.upstream;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Publishes messages about a child to the hub, through the durable spool.
 *
 * <p>A message for child {@code C} with suffix {@code S} goes to
 * {@code palisade/v1/<gateway>/d/C/S}. It is held in the spool until the hub acknowledged it —
 * while the hub is away, while the link bundle is replaced, and while {@code C} is not yet
 * enrolled (a child's messages are sent only once the hub accepts the gateway as its parent).
 *
 * <p>Provided by the spool's bundle, not by the link's, so that it stays registered while the
 * link is replaced. Thread-safe. {@link #publish} never blocks on the network; it may block on
 * the local disk for as long as the spool's sync policy asks (an {@code fsync} per message, or
 * none when syncs are grouped by time or count).
 */
@ProviderType
public interface Upstream {

    /** The suffix for readings. */
    String TELEMETRY = "telemetry";

    /** The suffix for a child's state (online, offline, refused and why). */
    String STATUS = "status";

    /**
     * Accepts a message into the spool. When this returns, the message is as durable as the
     * spool's sync policy makes it: with per-message sync it survives a power cut; with grouped
     * sync it survives a process kill, and a power cut loses at most the last group (the loss
     * window is in {@code docs/spool.md}). It is then delivered at least once, or discarded
     * unsent when its time to live runs out or the drop-oldest overflow policy drops it (both
     * counted in {@link SpoolStats}).
     *
     * @param childId the child's id, a single topic level: not empty, no {@code /}, {@code +},
     *        {@code #} or NUL; never {@code null}
     * @param suffix one or more topic levels below the child, e.g. {@value #TELEMETRY}; no
     *        empty level, wildcard or NUL; must not begin with the level {@code cmd}, which is
     *        reserved for commands coming down; never {@code null}
     * @param payload the message, self-describing (JSON or CBOR, DESIGN §5); never {@code null};
     *        copied
     * @param options priority and time to live; never {@code null}
     * @return the spool's sequence number for the message
     * @throws UpstreamException {@code SPOOL_FULL}, {@code TOO_LARGE}, {@code NO_SPACE},
     *         {@code STORAGE_ERROR} or {@code CLOSED}; the message was not accepted
     * @throws IllegalArgumentException if {@code childId} or {@code suffix} breaks the rules
     *         above (the message names it)
     */
    long publish(String childId, String suffix, byte[] payload, PublishOptions options)
            throws UpstreamException;
}
