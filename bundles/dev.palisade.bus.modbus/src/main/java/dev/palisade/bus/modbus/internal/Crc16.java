package dev.palisade.bus.modbus.internal;

/** The Modbus RTU CRC (CRC-16/MODBUS: polynomial 0xA001 reflected, initial 0xFFFF). */
final class Crc16 {

    private Crc16() {
    }

    static int of(byte[] data, int offset, int length) {
        int crc = 0xFFFF;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }
}
