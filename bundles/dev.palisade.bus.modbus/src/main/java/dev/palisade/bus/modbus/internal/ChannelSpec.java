package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.DataType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One configured channel: where its value lives on the device and how its registers become a
 * value. Parsed from one entry of a device's {@code channels} property (docs/modbus.md):
 *
 * <pre>NAME KIND ADDRESS TYPE [word=big|little] [byte=big|little] [scale=X] [offset=X] [unit=U]
 *      [length=REGISTERS] [min=X] [max=X] [writable]</pre>
 *
 * Addresses are protocol addresses, 0-based, as they travel on the wire (holding register
 * "40001" in 1-based notation is {@code holding 0}).
 *
 * @param name the channel's name
 * @param kind the data table
 * @param address the first protocol address
 * @param type the raw type in the registers
 * @param wordsLittle the least significant register comes first
 * @param bytesLittle the bytes within each register are swapped
 * @param scale multiplies the raw value
 * @param offset is added after scaling
 * @param unit the engineering unit, may be empty
 * @param length registers of a string channel
 * @param min smallest value a write may set, or null
 * @param max largest value a write may set, or null
 * @param writable whether writes are allowed
 */
record ChannelSpec(String name, RegisterKind kind, int address, RawType type, boolean wordsLittle,
        boolean bytesLittle, double scale, double offset, String unit, int length, Double min, Double max,
        boolean writable) {

    /** The raw types a channel may have in configuration. */
    enum RawType {
        BOOL(DataType.BOOLEAN, 1), INT16(DataType.INT16, 1), UINT16(DataType.UINT16, 1),
        INT32(DataType.INT32, 2), UINT32(DataType.UINT32, 2), INT64(DataType.INT64, 4),
        FLOAT32(DataType.FLOAT32, 2), FLOAT64(DataType.FLOAT64, 4), STRING(DataType.STRING, 0);

        final DataType dataType;
        final int registers;

        RawType(DataType dataType, int registers) {
            this.dataType = dataType;
            this.registers = registers;
        }

        static RawType parse(String text) {
            for (RawType type : values()) {
                if (type.name().equalsIgnoreCase(text)) {
                    return type;
                }
            }
            if ("boolean".equalsIgnoreCase(text)) {
                return BOOL;
            }
            throw new IllegalArgumentException("type '" + text
                    + "' is not one of bool, int16, uint16, int32, uint32, int64, float32, float64, string");
        }
    }

    /** @return items (bits or registers) this channel occupies */
    int count() {
        if (kind.bits) {
            return 1;
        }
        return type == RawType.STRING ? length : type.registers;
    }

    /** @return whether a scale or offset turns the raw value into a FLOAT64 */
    boolean scaled() {
        return scale != 1.0 || offset != 0.0;
    }

    /** @return the type of the channel's values as the bus API reports them */
    DataType dataType() {
        return scaled() ? DataType.FLOAT64 : type.dataType;
    }

    /** @return the channel as the bus API describes it */
    Channel toChannel() {
        String location = kind.configName() + ":" + address + " " + type.name().toLowerCase(Locale.ROOT)
                + (count() > 1 ? " words " + (wordsLittle ? "little" : "big") + " bytes " + (bytesLittle ? "little" : "big") : "")
                + (scaled() ? " *" + scale + " +" + offset : "");
        return new Channel(name, dataType(), unit, writable, location);
    }

    /**
     * Parses a device's channel list. Each element of {@code entries} holds one or more channels
     * separated by {@code ;} (a {@code .cfg} file gives the whole list as one value).
     *
     * @throws IllegalArgumentException naming the channel (or its position) and the field
     */
    static List<ChannelSpec> parseAll(String[] entries) {
        List<ChannelSpec> channels = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int position = 0;
        for (String entry : entries) {
            for (String one : entry.split("[;\\n]")) {
                if (one.isBlank()) {
                    continue;
                }
                position++;
                ChannelSpec spec = parse(one.trim(), position);
                if (!names.add(spec.name)) {
                    throw new IllegalArgumentException("channel " + position + " '" + spec.name
                            + "': the name is used twice");
                }
                channels.add(spec);
            }
        }
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("'channels' declares no channel");
        }
        return List.copyOf(channels);
    }

    static ChannelSpec parse(String text, int position) {
        String[] tokens = text.trim().split("\\s+");
        String where = "channel " + position + (tokens.length > 0 ? " '" + tokens[0] + "'" : "");
        if (tokens.length < 4) {
            throw new IllegalArgumentException(where + ": expected 'NAME KIND ADDRESS TYPE [options]', got '" + text + "'");
        }
        try {
            String name = tokens[0];
            RegisterKind kind = RegisterKind.parse(tokens[1]);
            int address = parseAddress(tokens[2]);
            RawType type = RawType.parse(tokens[3]);
            boolean wordsLittle = false;
            boolean bytesLittle = false;
            double scale = 1.0;
            double offset = 0.0;
            String unit = "";
            int length = 0;
            Double min = null;
            Double max = null;
            boolean writable = false;
            for (int i = 4; i < tokens.length; i++) {
                String token = tokens[i];
                if (token.equals("writable") || token.equals("rw")) {
                    writable = true;
                    continue;
                }
                int eq = token.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("option '" + token + "' is not KEY=VALUE or 'writable'");
                }
                String key = token.substring(0, eq).toLowerCase(Locale.ROOT);
                String value = token.substring(eq + 1);
                switch (key) {
                    case "word", "words" -> wordsLittle = order(key, value);
                    case "byte", "bytes" -> bytesLittle = order(key, value);
                    case "scale" -> scale = finite(key, value);
                    case "offset" -> offset = finite(key, value);
                    case "unit" -> unit = value;
                    case "length" -> length = Integer.parseInt(value);
                    case "min" -> min = finite(key, value);
                    case "max" -> max = finite(key, value);
                    default -> throw new IllegalArgumentException("unknown option '" + key
                            + "' (known: word, byte, scale, offset, unit, length, min, max, writable)");
                }
            }
            if (kind.bits && type != RawType.BOOL) {
                throw new IllegalArgumentException("a " + kind.configName() + " holds one bit: its type must be bool, not "
                        + type.name().toLowerCase(Locale.ROOT));
            }
            if (type == RawType.STRING && (length < 1 || length > kind.maxPerRequest)) {
                throw new IllegalArgumentException("a string channel needs length=REGISTERS between 1 and 125");
            }
            if (type != RawType.STRING && length != 0) {
                throw new IllegalArgumentException("length= applies to string channels only");
            }
            if (scale == 0.0) {
                throw new IllegalArgumentException("scale must not be 0");
            }
            if ((scale != 1.0 || offset != 0.0) && (type == RawType.BOOL || type == RawType.STRING)) {
                throw new IllegalArgumentException("scale and offset apply to numeric types only");
            }
            if (writable && !kind.writable) {
                throw new IllegalArgumentException("a " + kind.configName() + " is read-only on every Modbus device;"
                        + " remove 'writable'");
            }
            if (min != null && max != null && min > max) {
                throw new IllegalArgumentException("min " + min + " is above max " + max);
            }
            ChannelSpec spec = new ChannelSpec(name, kind, address, type, wordsLittle, bytesLittle, scale, offset,
                    unit, length, min, max, writable);
            if (address + spec.count() > 0x10000) {
                throw new IllegalArgumentException("address " + address + " + " + spec.count() + " register(s) passes 65535");
            }
            spec.toChannel(); // the API's own checks on the name
            return spec;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static int parseAddress(String text) {
        int address;
        try {
            address = text.startsWith("0x") ? Integer.parseInt(text.substring(2), 16) : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address '" + text + "' is not a number");
        }
        if (address < 0 || address > 0xFFFF) {
            throw new IllegalArgumentException("address " + address + " is outside 0..65535 (protocol addresses are 0-based)");
        }
        return address;
    }

    private static boolean order(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "big" -> false;
            case "little" -> true;
            default -> throw new IllegalArgumentException(key + "=" + value + " is not big or little");
        };
    }

    private static double finite(String key, String value) {
        double d;
        try {
            d = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + value + " is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException(key + "=" + value + " is not finite");
        }
        return d;
    }
}
