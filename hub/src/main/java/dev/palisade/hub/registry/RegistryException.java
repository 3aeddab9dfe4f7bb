package dev.palisade.hub.registry;

/** A registry operation that could not be done; the message says what and why. */
public final class RegistryException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why, so that callers can map it to an exit code or a reason code. */
    public enum Reason {
        /** No such CA or device. */
        NOT_FOUND,
        /** It exists already, or the request contradicts what is registered. */
        CONFLICT,
        /** A check failed (proof of possession, credential rules). */
        REFUSED,
        /** The store cannot be read or written. */
        UNAVAILABLE
    }

    private final Reason reason;

    public RegistryException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RegistryException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
