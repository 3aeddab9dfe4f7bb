package dev.palisade.bus.modbus.internal;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import java.io.IOException;

/**
 * A serial port through jSerialComm. jSerialComm unpacks its native library below
 * {@code java.io.tmpdir} on first use (the JVM's, not the bundle's); on a read-only or noexec
 * tmp, point the system property {@code jSerialComm.library.path} at a preinstalled library
 * (docs/modbus.md).
 */
final class JSerialCommIo implements SerialIo {

    private final SerialPort port;
    private final String name;

    private JSerialCommIo(SerialPort port, String name) {
        this.port = port;
        this.name = name;
    }

    static SerialIo open(SerialSettings settings) throws IOException {
        SerialPort port;
        try {
            port = SerialPort.getCommPort(settings.port());
        } catch (SerialPortInvalidPortException e) {
            throw new IOException("serial port " + settings.port() + " does not exist: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IOException("jSerialComm cannot load its native library (set jSerialComm.library.path"
                    + " if java.io.tmpdir is read-only or noexec): " + e, e);
        }
        int parity = switch (settings.parity()) {
            case "even" -> SerialPort.EVEN_PARITY;
            case "odd" -> SerialPort.ODD_PARITY;
            default -> SerialPort.NO_PARITY;
        };
        port.setComPortParameters(settings.baud(), settings.dataBits(),
                settings.stopBits() == 2 ? SerialPort.TWO_STOP_BITS : SerialPort.ONE_STOP_BIT, parity);
        if (!port.openPort()) {
            throw new IOException("cannot open serial port " + settings.port() + " (error " + port.getLastErrorCode()
                    + "; does it exist, and may the gateway's user open it?)");
        }
        return new JSerialCommIo(port, settings.port());
    }

    @Override
    public void write(byte[] frame) throws IOException {
        int written = port.writeBytes(frame, frame.length);
        if (written != frame.length) {
            throw new IOException("wrote " + written + " of " + frame.length + " bytes to " + name);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, int timeoutMillis) throws IOException {
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, Math.max(1, timeoutMillis), 0);
        byte[] chunk = offset == 0 ? buffer : new byte[length];
        int read = port.readBytes(chunk, length);
        if (read < 0) {
            throw new IOException("reading " + name + " failed (error " + port.getLastErrorCode() + ")");
        }
        if (chunk != buffer && read > 0) {
            System.arraycopy(chunk, 0, buffer, offset, read);
        }
        return read;
    }

    @Override
    public void discardInput() {
        port.flushIOBuffers();
        byte[] sink = new byte[256];
        port.setComPortTimeouts(SerialPort.TIMEOUT_NONBLOCKING, 0, 0);
        while (port.bytesAvailable() > 0 && port.readBytes(sink, sink.length) > 0) {
            // drain what arrived after the flush
        }
    }

    @Override
    public void close() {
        port.closePort();
    }
}
