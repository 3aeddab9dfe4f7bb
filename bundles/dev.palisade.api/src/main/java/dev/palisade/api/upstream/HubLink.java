package dev.palisade.api.upstream;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The live connection to the hub, for exchanges that make sense only while it is up.
 *
 * <p>Provided by the link bundle while it is active (whether or not it is connected).
 * Thread-safe. Messages that must survive an outage go through {@link Upstream} instead.
 */
@ProviderType
public interface HubLink {

    /** @return the link's state now; never {@code null} */
    LinkState state();

    /**
     * Sends a request to the hub with MQTT v5 request/response (Response Topic and Correlation
     * Data) on {@code palisade/v1/<gateway>/<suffix>} and completes with the response payload.
     *
     * <p>Requests are not spooled and not retried: the link sends each at most once and the
     * caller decides whether to retry (the protocol on top must tolerate a request that reached
     * the hub although its response was lost). The returned stage is completed on a thread of
     * the link: dependent actions that block must use the {@code …Async} variants with the
     * caller's own executor. This method itself never blocks.
     *
     * @param suffix one or more topic levels below the gateway's root, e.g. {@code enroll/request};
     *        no empty level, wildcard or NUL; never {@code null}
     * @param payload the request, self-describing (JSON or CBOR); never {@code null}; copied
     * @param timeout how long to wait for the response; positive
     * @return completes with the response payload, or exceptionally with an
     *         {@link UpstreamException}: {@code LINK_DOWN} (at once if the link is not up, or
     *         when it drops before the response), {@code TIMEOUT}, {@code NOT_AUTHORIZED},
     *         {@code NO_RESPONDER}, {@code CLOSED}
     * @throws IllegalArgumentException if the suffix or the timeout is invalid
     */
    CompletionStage<byte[]> request(String suffix, byte[] payload, Duration timeout);
}
