package dev.palisade.bus.modbus.internal;

import java.nio.ByteBuffer;

/**
 * Encodes Modbus request PDUs (function code + data) and checks response PDUs against the
 * request they answer. Transport framing (MBAP, RTU address and CRC) is added elsewhere.
 */
final class Pdu {

    static final int READ_COILS = 1;
    static final int READ_DISCRETE_INPUTS = 2;
    static final int READ_HOLDING_REGISTERS = 3;
    static final int READ_INPUT_REGISTERS = 4;
    static final int WRITE_SINGLE_COIL = 5;
    static final int WRITE_SINGLE_REGISTER = 6;
    static final int WRITE_MULTIPLE_COILS = 15;
    static final int WRITE_MULTIPLE_REGISTERS = 16;

    /** A response PDU is at most 253 bytes (256-byte RTU ADU minus address and CRC). */
    static final int MAX_PDU = 253;

    private Pdu() {
    }

    static byte[] read(RegisterKind kind, int address, int count) {
        checkAddress(address, count, kind.maxPerRequest);
        return ByteBuffer.allocate(5).put((byte) kind.readFunction).putShort((short) address)
                .putShort((short) count).array();
    }

    static byte[] writeSingleCoil(int address, boolean on) {
        checkAddress(address, 1, 1);
        return ByteBuffer.allocate(5).put((byte) WRITE_SINGLE_COIL).putShort((short) address)
                .putShort((short) (on ? 0xFF00 : 0x0000)).array();
    }

    static byte[] writeSingleRegister(int address, byte[] register) {
        checkAddress(address, 1, 1);
        return ByteBuffer.allocate(5).put((byte) WRITE_SINGLE_REGISTER).putShort((short) address)
                .put(register, 0, 2).array();
    }

    static byte[] writeMultipleRegisters(int address, byte[] registers) {
        int count = registers.length / 2;
        checkAddress(address, count, 123);
        return ByteBuffer.allocate(6 + registers.length).put((byte) WRITE_MULTIPLE_REGISTERS)
                .putShort((short) address).putShort((short) count).put((byte) registers.length).put(registers)
                .array();
    }

    /**
     * Checks a response against its request and returns the data of a read (the bytes after the
     * byte count), or an empty array for a write echo.
     *
     * @throws ModbusException with the exception code for an exception response, or for a
     *         response that does not match the request (wrong function, length or echo)
     */
    static byte[] dataOf(byte[] request, byte[] response) throws ModbusException {
        int function = request[0] & 0xFF;
        if (response.length == 0) {
            throw ModbusException.garbage("empty response to function " + function);
        }
        int answered = response[0] & 0xFF;
        if (answered == (function | 0x80)) {
            int code = response.length > 1 ? response[1] & 0xFF : -1;
            throw ModbusException.exceptionResponse(function, code);
        }
        if (answered != function) {
            throw ModbusException.garbage("response has function " + answered + ", request had " + function);
        }
        switch (function) {
            case READ_COILS, READ_DISCRETE_INPUTS, READ_HOLDING_REGISTERS, READ_INPUT_REGISTERS -> {
                int count = ((request[3] & 0xFF) << 8) | (request[4] & 0xFF);
                int expected = function <= 2 ? (count + 7) / 8 : count * 2;
                if (response.length < 2 || (response[1] & 0xFF) != expected || response.length != 2 + expected) {
                    throw ModbusException.garbage("response to function " + function + " for " + count
                            + " item(s) has " + (response.length - 2) + " data bytes (byte count "
                            + (response.length > 1 ? response[1] & 0xFF : -1) + "), expected " + expected);
                }
                byte[] data = new byte[expected];
                System.arraycopy(response, 2, data, 0, expected);
                return data;
            }
            default -> {
                // Writes FC 5, 6, 15, 16 echo the first four data bytes of the request.
                if (response.length != 5) {
                    throw ModbusException.garbage("response to write function " + function + " has "
                            + response.length + " bytes, expected 5");
                }
                for (int i = 1; i < 5; i++) {
                    if (response[i] != request[i]) {
                        throw ModbusException.garbage("response to write function " + function
                                + " does not echo the request's address and value");
                    }
                }
                return new byte[0];
            }
        }
    }

    /**
     * @return how many bytes the response PDU to {@code request} has when it is not an exception
     *         response; used by RTU framing, which has no length field
     */
    static int expectedResponseLength(byte[] request) {
        int function = request[0] & 0xFF;
        int count = ((request[3] & 0xFF) << 8) | (request[4] & 0xFF);
        return switch (function) {
            case READ_COILS, READ_DISCRETE_INPUTS -> 2 + (count + 7) / 8;
            case READ_HOLDING_REGISTERS, READ_INPUT_REGISTERS -> 2 + count * 2;
            default -> 5;
        };
    }

    private static void checkAddress(int address, int count, int max) {
        if (address < 0 || address > 0xFFFF || count < 1 || count > max || address + count > 0x10000) {
            throw new IllegalArgumentException("address " + address + " with " + count
                    + " item(s) is outside 0..65535 or over " + max + " items");
        }
    }
}
