package dev.palisade.api.upstream;

import java.util.Objects;

/**
 * A message handed out by {@link Spool#next}, with the sequence number that acknowledges it.
 *
 * @param sequence the spool's number for the message: positive, unique, and increasing in
 *        append order for the lifetime of the spool's storage (across restarts)
 * @param message the message; never {@code null}
 */
public record SpoolEntry(long sequence, SpoolMessage message) {

    /** Validates the fields. */
    public SpoolEntry {
        Objects.requireNonNull(message, "message");
        if (sequence <= 0) {
            throw new IllegalArgumentException("spool sequence must be positive, got " + sequence);
        }
    }
}
