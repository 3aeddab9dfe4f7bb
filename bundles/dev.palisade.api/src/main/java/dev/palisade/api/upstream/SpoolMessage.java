package dev.palisade.api.upstream;

import java.time.Instant;
import java.util.Objects;

/**
 * A message as the spool stores it. Immutable: the payload is copied in and out.
 *
 * @param key the unit of hold-back and of order: the child id for a child's messages, the
 *        empty string for the gateway's own. Within a key and a priority the spool keeps append
 *        order. No {@code /}, {@code +}, {@code #} or NUL; never {@code null}.
 * @param topic the topic below {@code palisade/v1/<gateway>/}, for example
 *        {@code d/meter-7/telemetry}: one or more levels, no empty level, no leading or
 *        trailing {@code /}, no wildcard or NUL; never {@code null}
 * @param payload the message; never {@code null}
 * @param priority 0 (least urgent) to 9 (most urgent)
 * @param acceptedAt when the spool accepted it; never {@code null}
 * @param expiresAt when it stops being worth sending, or {@code null} for never
 */
public record SpoolMessage(String key, String topic, byte[] payload, int priority, Instant acceptedAt,
        Instant expiresAt) {

    /** Validates the fields and copies the payload. */
    public SpoolMessage {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
        if (hasAny(key, "/+#\0")) {
            throw new IllegalArgumentException("spool key '" + key + "' contains '/', '+', '#' or NUL");
        }
        if (topic.isEmpty() || hasAny(topic, "+#\0") || topic.startsWith("/") || topic.endsWith("/")
                || topic.contains("//")) {
            throw new IllegalArgumentException("topic '" + topic
                    + "' is not a relative topic of non-empty levels without wildcards or NUL");
        }
        if (priority < 0 || priority > 9) {
            throw new IllegalArgumentException("priority must be 0 to 9, got " + priority);
        }
        if (expiresAt != null && !expiresAt.isAfter(acceptedAt)) {
            throw new IllegalArgumentException("message for '" + topic + "' expires at " + expiresAt
                    + ", not after its acceptance at " + acceptedAt);
        }
        payload = payload.clone();
    }

    /** @return a copy of the payload */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** @return the payload's size in bytes, without copying it */
    public int size() {
        return payload.length;
    }

    /** @return the fields without the payload's content */
    @Override
    public String toString() {
        return "SpoolMessage[key=" + key + ", topic=" + topic + ", " + payload.length + " bytes, priority="
                + priority + ", acceptedAt=" + acceptedAt + ", expiresAt=" + expiresAt + "]";
    }

    private static boolean hasAny(String s, String chars) {
        for (int i = 0; i < chars.length(); i++) {
            if (s.indexOf(chars.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }
}
