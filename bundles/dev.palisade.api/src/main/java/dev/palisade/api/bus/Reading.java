package dev.palisade.api.bus;

import java.time.Instant;
import java.util.Objects;

/**
 * One value of one channel at one time. Immutable.
 *
 * @param deviceId the device's id; never {@code null}
 * @param channel the channel's name; never {@code null}
 * @param value the value, of the channel's {@link DataType#javaType()} ({@link Boolean},
 *        {@link Long}, {@link Double} or {@link String}); {@code null} exactly when the quality
 *        is {@link Quality#BAD}
 * @param quality how far the value can be trusted; never {@code null}
 * @param timestamp when the value was sampled: the device's own timestamp where the bus carries
 *        one (OPC UA), else the gateway's time of the response; never {@code null}
 */
public record Reading(String deviceId, String channel, Object value, Quality quality, Instant timestamp) {

    /** How far a value can be trusted (the top-level OPC UA status classes). */
    public enum Quality {
        /** Read from the device and valid. */
        GOOD,
        /** A value is present but may be wrong, e.g. the device flags it as a substitute value. */
        UNCERTAIN,
        /** No usable value: the device reported a fault for this channel. */
        BAD
    }

    /** Validates the fields. */
    public Reading {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(quality, "quality");
        Objects.requireNonNull(timestamp, "timestamp");
        if ((value == null) != (quality == Quality.BAD)) {
            throw new IllegalArgumentException("reading of " + deviceId + "/" + channel
                    + " must have a value exactly when its quality is not BAD");
        }
        if (value != null && !(value instanceof Boolean || value instanceof Long || value instanceof Double
                || value instanceof String)) {
            throw new IllegalArgumentException("reading of " + deviceId + "/" + channel + " has a value of type "
                    + value.getClass().getName() + "; allowed are Boolean, Long, Double and String");
        }
    }
}
