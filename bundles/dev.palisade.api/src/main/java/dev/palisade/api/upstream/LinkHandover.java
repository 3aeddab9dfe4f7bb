package dev.palisade.api.upstream;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A running hub link that can hand its place to a successor: the make-before-break replacement
 * of the link bundle.
 *
 * <p>The gateway has one session with the hub (the hub knows it by its client id, the gateway
 * id). To replace the link without the data gap of a stop-then-start update, the deployer installs
 * the new link bundle <em>beside</em> the running one (a bundle whose manifest carries
 * {@value #HEADER}, see there). The new link activates while the old one still drains the spool,
 * makes its TLS context, its MQTT client and its TCP connection and TLS handshake, and only then
 * calls {@link #yieldTo} on every older link: that one stops taking messages from the spool, waits
 * for the hub's acknowledgement of what it has in flight, ends its session with a clean DISCONNECT
 * and stops for good. The new link then sends CONNECT on its ready connection and drains the
 * spool. The hub sees one DISCONNECT and one CONNECT a few milliseconds apart, no offline status
 * and no will; the spool keeps every message that was not acknowledged.
 *
 * <p>Registered by the link component while it is active. A link that has yielded unregisters its
 * services (its component disables itself); it connects again only when its bundle is started
 * again (the deployer does that when it rolls back a replacement whose successor failed).
 *
 * <p>Whoever can get this service can take the gateway off the hub until the link bundle is
 * started again, as whoever can stop a bundle can: like every Palisade service it trusts the
 * installed bundles, and signed update sets keep other code out (docs/identity.md).
 */
@ProviderType
public interface LinkHandover {

    /**
     * Manifest header of a link bundle that takes over from an older link running beside it. The
     * value names the hand-over contract ({@code dev.palisade.api.upstream.LinkHandover}); the
     * deployer installs a new bundle beside the running one only if both declare the same value
     * and the new one has a higher version, and updates it in place otherwise.
     */
    String HEADER = "Palisade-Handover";

    /** The value of {@link #HEADER} for this contract. */
    String CONTRACT = "dev.palisade.api.upstream.LinkHandover";

    /**
     * Ends this link's session with the hub so that {@code successor} can open its own, and stops
     * this link for good. Returns once the connection is closed (or at once if there was none):
     * from then on the successor may CONNECT with the same client id.
     *
     * <p>Stops draining the spool at once, waits up to {@code settle} for the hub to acknowledge
     * what is in flight (what is left goes back to the spool and is sent again by the successor),
     * sends DISCONNECT with reason 0 (so the hub publishes no will) and closes. It does not publish
     * the offline status: the successor publishes online right after. Idempotent; thread-safe.
     *
     * @param successor who takes over, for the log (e.g. the new bundle and version); never {@code null}
     * @param settle how long to wait for in-flight acknowledgements; not negative
     * @return what happened, one line for the log and the deployer's report; never {@code null}
     * @throws InterruptedException if the calling thread is interrupted while it waits
     * @throws IllegalStateException if this link did not close its connection in time (it may be
     *         in the middle of a slow connect): it will stop, but the successor must not CONNECT
     *         yet and should ask again later
     */
    String yieldTo(String successor, Duration settle) throws InterruptedException;
}
