package dev.palisade.api.upstream;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The durable store-and-forward journal between producers and the link: messages are appended,
 * handed to the link, and leave only when the link acknowledges them (at-least-once).
 *
 * <p>Provided by {@code dev.palisade.spool}, used by the link bundle; producers use
 * {@link Upstream}. The service has bundle scope: messages handed to a bundle and neither
 * acknowledged nor released return to the queue when that bundle releases the service (for
 * example when the link bundle is stopped for an update), and after a restart every
 * unacknowledged message is handed out again. Duplicates are therefore possible and bounded by
 * what was in flight; loss is not.
 *
 * <p>Recovery after a crash or power cut discards a torn or truncated last write and never hands
 * it out. Thread-safe.
 */
@ProviderType
public interface Spool {

    /**
     * Appends a message, durably per the sync policy (see {@link Upstream#publish}). Under the
     * drop-oldest overflow policy this may drop the oldest queued messages of the lowest priority
     * held to make room, but never a message more urgent than this one and never one in flight
     * (if that is not enough, this one is refused with {@code SPOOL_FULL}); under the refuse
     * policy a full spool refuses. Expired messages are removed before anything is dropped.
     *
     * @param message the message; never {@code null}
     * @return the message's sequence number
     * @throws UpstreamException {@code SPOOL_FULL}, {@code TOO_LARGE}, {@code NO_SPACE},
     *         {@code STORAGE_ERROR} or {@code CLOSED}; the message was not appended
     */
    long append(SpoolMessage message) throws UpstreamException;

    /**
     * Hands out up to {@code max} messages that are not in flight, whose key is eligible, most
     * urgent priority first and in append order within a key and priority. Expired messages are
     * discarded on the way and counted. Handed-out messages are in flight until {@link #ack} or
     * {@link #release}.
     *
     * @param max the most messages to return; positive
     * @param eligibleKey which keys may be sent now (for example only enrolled children);
     *        called on the caller's thread, must be fast and must not block; never {@code null}
     * @param wait how long to wait for an eligible message when there is none; {@link Duration#ZERO}
     *        to return at once; never {@code null}
     * @return the messages, possibly empty (at once when the spool is closing); never {@code null}
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    List<SpoolEntry> next(int max, Predicate<String> eligibleKey, Duration wait) throws InterruptedException;

    /**
     * Removes a message for good: the hub acknowledged it. Acknowledgements may be made durable
     * lazily (a crash can then send the message again). Unknown or already acknowledged
     * sequences are ignored. Never blocks on an {@code fsync}.
     *
     * @param sequence the message's sequence number
     */
    void ack(long sequence);

    /**
     * Puts a message handed out but not sent back into the queue, in its original place.
     * Unknown or acknowledged sequences are ignored.
     *
     * @param sequence the message's sequence number
     */
    void release(long sequence);

    /** @return a snapshot of depth, size, age and counters; never {@code null}; never blocks on I/O */
    SpoolStats stats();
}
