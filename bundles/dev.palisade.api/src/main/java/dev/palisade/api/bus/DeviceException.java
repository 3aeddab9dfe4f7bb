package dev.palisade.api.bus;

import java.util.Objects;

/**
 * A read, a write or a signature through a leaf device failed. It is the exceptional completion
 * of the stages {@link LeafDevice} and {@link ChildSigner} return. The message names the
 * device, the channel and what was wrong (the value and the allowed range, the device's
 * exception code, the timeout).
 */
public class DeviceException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an operation on a device failed. */
    public enum Reason {
        /** The device has no channel of that name. */
        UNKNOWN_CHANNEL,
        /** The channel is not writable. */
        NOT_WRITABLE,
        /** The value has the wrong type or is out of the channel type's range. */
        INVALID_VALUE,
        /** The device is offline, or refused; nothing was sent. */
        OFFLINE,
        /** The device did not answer in time. */
        TIMEOUT,
        /** The device answered with an error (for Modbus, an exception response; the code is in
         * the message). */
        DEVICE_ERROR,
        /** The transport failed or the answer was garbage (truncated frame, wrong transaction). */
        TRANSPORT_ERROR,
        /** The device was removed or its bus bundle is stopping. */
        CLOSED
    }

    private final Reason reason;

    /**
     * @param reason why it failed; never {@code null}
     * @param message what was wrong; never {@code null}
     */
    public DeviceException(Reason reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param reason why it failed; never {@code null}
     * @param message what was wrong; never {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public DeviceException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why it failed; never {@code null} */
    public Reason reason() {
        return reason;
    }
}
