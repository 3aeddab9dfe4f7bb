package dev.palisade.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A part of the gateway that can tell how it is doing. Register it as an OSGi service.
 *
 * <p>Contract for implementers:
 * <ul>
 * <li>{@link #health()} is called from any thread, possibly concurrently, whenever someone asks
 * for status: it must return within about 100 ms and must not block on I/O to a peer. Keep the
 * last known state in a field and return it.</li>
 * <li>It must not throw; a failure to determine the state is reported as
 * {@link Health#UNKNOWN} with the reason in the summary. Callers treat a thrown exception as
 * {@link Health#UNKNOWN} as well.</li>
 * <li>Nothing in a report may contain a secret (PIN, key material, password).</li>
 * </ul>
 */
@ConsumerType
public interface HealthIndicator {

    /**
     * @return the current state of this part; never {@code null}
     */
    HealthReport health();
}
