package dev.palisade.api.bus;

import java.time.Instant;
import java.util.Objects;

/**
 * A device's state, why, and since when. Immutable.
 *
 * @param state the state; never {@code null}
 * @param reason one line a field engineer can act on, e.g. {@code "no answer from 10.0.4.7:502
 *        unit 3 for 30 s"} or, for {@link DeviceState#REFUSED}, the trust service's verdict
 *        message; never {@code null}, empty only for {@link DeviceState#ONLINE}
 * @param since when the device entered this state; never {@code null}
 */
public record DeviceStatus(DeviceState state, String reason, Instant since) {

    /** Validates the fields. */
    public DeviceStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
        if (reason.isBlank() && state != DeviceState.ONLINE) {
            throw new IllegalArgumentException("a device in state " + state + " needs a reason");
        }
    }
}
