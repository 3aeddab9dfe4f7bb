package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceException.Reason;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Turns a channel's registers into its value and a value into registers, with word order, byte
 * order, scale and offset; checks the value a write asks for against the raw type's range and
 * the channel's min/max before anything is sent.
 */
final class ValueCodec {

    private ValueCodec() {
    }

    /**
     * @param spec the channel
     * @param data the response data of the read that covers it (register bytes as on the wire,
     *        or packed bits, LSB first)
     * @param firstAddress the address the read started at
     * @return the value, of the channel's API Java type
     */
    static Object decode(ChannelSpec spec, byte[] data, int firstAddress) {
        int index = spec.address() - firstAddress;
        if (spec.kind().bits) {
            return ((data[index / 8] >> (index % 8)) & 1) != 0;
        }
        byte[] raw = canonical(spec, data, index * 2, spec.count());
        ByteBuffer buffer = ByteBuffer.wrap(raw);
        Object value = switch (spec.type()) {
            case BOOL -> buffer.getShort() != 0;
            case INT16 -> (long) buffer.getShort();
            case UINT16 -> (long) (buffer.getShort() & 0xFFFF);
            case INT32 -> (long) buffer.getInt();
            case UINT32 -> buffer.getInt() & 0xFFFFFFFFL;
            case INT64 -> buffer.getLong();
            case FLOAT32 -> (double) buffer.getFloat();
            case FLOAT64 -> buffer.getDouble();
            case STRING -> string(raw);
        };
        if (spec.scaled()) {
            return ((Number) value).doubleValue() * spec.scale() + spec.offset();
        }
        return value;
    }

    /**
     * @return the registers (big-endian bytes, word order as the device expects) for a write of
     *         {@code value}, or for a coil a one-byte array 0/1
     * @throws DeviceException {@code INVALID_VALUE} naming the value, the channel and the range
     */
    static byte[] encode(String deviceId, ChannelSpec spec, Object value) throws DeviceException {
        String where = deviceId + "/" + spec.name();
        if (value == null) {
            throw new DeviceException(Reason.INVALID_VALUE, where + ": no value given");
        }
        if (spec.type() == ChannelSpec.RawType.BOOL) {
            if (!(value instanceof Boolean b)) {
                throw new DeviceException(Reason.INVALID_VALUE, where + ": expects true or false, got " + value);
            }
            if (spec.kind().bits) {
                return new byte[] {(byte) (b ? 1 : 0)};
            }
            return new byte[] {0, (byte) (b ? 1 : 0)};
        }
        if (spec.type() == ChannelSpec.RawType.STRING) {
            if (!(value instanceof String s)) {
                throw new DeviceException(Reason.INVALID_VALUE, where + ": expects a string, got " + value);
            }
            byte[] text = s.getBytes(StandardCharsets.UTF_8);
            if (text.length > spec.length() * 2) {
                throw new DeviceException(Reason.INVALID_VALUE, where + ": '" + s + "' has " + text.length
                        + " bytes, the channel holds " + spec.length() * 2);
            }
            byte[] raw = new byte[spec.length() * 2];
            System.arraycopy(text, 0, raw, 0, text.length);
            return canonical(spec, raw, 0, spec.length());
        }
        if (!(value instanceof Number number) || value instanceof Float && !Float.isFinite((Float) value)
                || value instanceof Double && !Double.isFinite((Double) value)) {
            throw new DeviceException(Reason.INVALID_VALUE, where + ": expects a finite number, got " + value);
        }
        double engineering = number.doubleValue();
        if (spec.min() != null && engineering < spec.min() || spec.max() != null && engineering > spec.max()) {
            throw new DeviceException(Reason.INVALID_VALUE, where + ": " + value + " is outside the channel's range "
                    + (spec.min() == null ? "" : spec.min()) + ".." + (spec.max() == null ? "" : spec.max()));
        }
        ByteBuffer buffer = ByteBuffer.allocate(spec.type().registers * 2);
        switch (spec.type()) {
            case FLOAT32 -> {
                double raw = spec.scaled() ? (engineering - spec.offset()) / spec.scale() : engineering;
                float f = (float) raw;
                if (!Float.isFinite(f)) {
                    throw new DeviceException(Reason.INVALID_VALUE, where + ": " + value + " is outside the float32 range");
                }
                if (!spec.scaled() && f != raw) {
                    throw new DeviceException(Reason.INVALID_VALUE, where + ": " + value
                            + " is not exactly representable as float32 (nearest " + f + ")");
                }
                buffer.putFloat(f);
            }
            case FLOAT64 -> buffer.putDouble(spec.scaled() ? (engineering - spec.offset()) / spec.scale() : engineering);
            default -> {
                long raw = integral(where, spec, number);
                long lo;
                long hi;
                switch (spec.type()) {
                    case INT16 -> { lo = Short.MIN_VALUE; hi = Short.MAX_VALUE; }
                    case UINT16 -> { lo = 0; hi = 0xFFFF; }
                    case INT32 -> { lo = Integer.MIN_VALUE; hi = Integer.MAX_VALUE; }
                    case UINT32 -> { lo = 0; hi = 0xFFFFFFFFL; }
                    default -> { lo = Long.MIN_VALUE; hi = Long.MAX_VALUE; }
                }
                if (raw < lo || raw > hi) {
                    throw new DeviceException(Reason.INVALID_VALUE, where + ": " + value
                            + (spec.scaled() ? " (raw " + raw + ")" : "") + " is outside the "
                            + spec.type().name().toLowerCase() + " range " + lo + ".." + hi);
                }
                switch (spec.type()) {
                    case INT16, UINT16 -> buffer.putShort((short) raw);
                    case INT32, UINT32 -> buffer.putInt((int) raw);
                    default -> buffer.putLong(raw);
                }
            }
        }
        return canonical(spec, buffer.array(), 0, spec.type().registers);
    }

    /** The raw integer a write of {@code number} puts into the registers; exact or refused. */
    private static long integral(String where, ChannelSpec spec, Number number) throws DeviceException {
        if (spec.scaled()) {
            double raw = (number.doubleValue() - spec.offset()) / spec.scale();
            long rounded = Math.round(raw);
            if (Math.abs(raw - rounded) > 1e-6 * Math.max(1.0, Math.abs(raw))) {
                throw new DeviceException(Reason.INVALID_VALUE, where + ": " + number + " is not a multiple of the scale "
                        + spec.scale() + " from offset " + spec.offset());
            }
            return rounded;
        }
        if (number instanceof Long || number instanceof Integer || number instanceof Short || number instanceof Byte) {
            return number.longValue();
        }
        try {
            return new BigDecimal(number.toString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new DeviceException(Reason.INVALID_VALUE, where + ": " + number + " is not an integer, the channel is "
                    + spec.type().name().toLowerCase());
        }
    }

    /**
     * Converts between the device's layout and big-endian (most significant byte and word
     * first); the conversion is its own inverse.
     */
    private static byte[] canonical(ChannelSpec spec, byte[] data, int from, int registers) {
        byte[] out = new byte[registers * 2];
        for (int r = 0; r < registers; r++) {
            int source = from + 2 * (spec.wordsLittle() && spec.type() != ChannelSpec.RawType.STRING ? registers - 1 - r : r);
            byte high = data[source];
            byte low = data[source + 1];
            out[2 * r] = spec.bytesLittle() ? low : high;
            out[2 * r + 1] = spec.bytesLittle() ? high : low;
        }
        return out;
    }

    private static String string(byte[] raw) {
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == 0 || raw[end - 1] == ' ')) {
            end--;
        }
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }
}
