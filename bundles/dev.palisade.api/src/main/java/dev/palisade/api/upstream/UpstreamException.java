package dev.palisade.api.upstream;

import java.util.Objects;

/**
 * A message could not be accepted for the hub, or a request to the hub failed. The message
 * names what was wrong (the limit and the size, the spool's state, the request topic).
 */
public class UpstreamException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a publish or a request failed. */
    public enum Reason {
        /** The spool reached its configured bound in bytes or messages and its overflow policy
         * is to refuse new messages. Nothing already accepted was dropped. */
        SPOOL_FULL,
        /** The payload is larger than the configured maximum message size. */
        TOO_LARGE,
        /** The file system holding the spool is full. Nothing already accepted was lost. */
        NO_SPACE,
        /** The spool's storage failed (an I/O error); the message names the file and the error. */
        STORAGE_ERROR,
        /** The spool or the link is stopping or stopped. */
        CLOSED,
        /** The link to the hub is not up, or went down before the response arrived. */
        LINK_DOWN,
        /** No response arrived within the request's timeout. */
        TIMEOUT,
        /** The hub refused the publish (MQTT v5 reason Not authorized). */
        NOT_AUTHORIZED,
        /** Nobody at the hub serves the request's topic (MQTT v5 No matching subscribers). */
        NO_RESPONDER
    }

    private final Reason reason;

    /**
     * @param reason why it failed; never {@code null}
     * @param message what was wrong; never {@code null}
     */
    public UpstreamException(Reason reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param reason why it failed; never {@code null}
     * @param message what was wrong; never {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public UpstreamException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why it failed; never {@code null} */
    public Reason reason() {
        return reason;
    }
}
