package dev.palisade.api.bus;

import java.util.Objects;

/**
 * One value a leaf device offers: a measurement, a setpoint, a status bit. Immutable.
 *
 * @param name the channel's name, unique within its device, e.g. {@code flow-rate}; never
 *        {@code null} or blank, no control characters
 * @param type the type of its values; never {@code null}
 * @param unit the unit of its values, e.g. {@code m3/h} or {@code °C}; never {@code null},
 *        empty when the value has none
 * @param writable {@code true} if {@link LeafDevice#write} may change it
 * @param location where the value lives on the device, in the bus's own notation, for display
 *        (Modbus: {@code holding:40001 float32 big-endian}); never {@code null}, may be empty
 */
public record Channel(String name, DataType type, String unit, boolean writable, String location) {

    /** Validates the fields. */
    public Channel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(location, "location");
        if (name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("channel name '" + name + "' is blank or has control characters");
        }
    }
}
