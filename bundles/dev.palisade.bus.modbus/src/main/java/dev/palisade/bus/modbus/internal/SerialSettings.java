package dev.palisade.bus.modbus.internal;

import java.util.Locale;

/**
 * How a serial line is set up. Devices on one port share the line and must agree on it.
 *
 * @param port the device path, e.g. {@code /dev/ttyUSB0}
 * @param baud bits per second
 * @param dataBits 7 or 8
 * @param parity {@code none}, {@code even} or {@code odd}
 * @param stopBits 1 or 2
 */
record SerialSettings(String port, int baud, int dataBits, String parity, int stopBits) {

    SerialSettings {
        if (port == null || port.isBlank()) {
            throw new IllegalArgumentException("'serial.port' is required for transport rtu, e.g. /dev/ttyUSB0");
        }
        if (baud < 50 || baud > 4_000_000) {
            throw new IllegalArgumentException("'serial.baud' " + baud + " is outside 50..4000000");
        }
        if (dataBits != 7 && dataBits != 8) {
            throw new IllegalArgumentException("'serial.data.bits' must be 7 or 8, got " + dataBits);
        }
        parity = parity.toLowerCase(Locale.ROOT);
        if (!parity.equals("none") && !parity.equals("even") && !parity.equals("odd")) {
            throw new IllegalArgumentException("'serial.parity' must be none, even or odd, got '" + parity + "'");
        }
        if (stopBits != 1 && stopBits != 2) {
            throw new IllegalArgumentException("'serial.stop.bits' must be 1 or 2, got " + stopBits);
        }
    }

    /** @return e.g. {@code /dev/ttyS1 9600 8E1} */
    @Override
    public String toString() {
        return port + " " + baud + " " + dataBits + Character.toUpperCase(parity.charAt(0)) + stopBits;
    }

    /** @return the time one character takes on the wire, in nanoseconds (start + data + parity + stop bits) */
    long characterNanos() {
        int bits = 1 + dataBits + (parity.equals("none") ? 0 : 1) + stopBits;
        return bits * 1_000_000_000L / baud;
    }
}
