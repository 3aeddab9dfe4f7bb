package dev.palisade.bus.modbus.internal;

import java.io.IOException;

/** An open serial port, as the RTU line uses it. One thread uses it at a time. */
interface SerialIo extends AutoCloseable {

    /** Writes all of {@code frame}. */
    void write(byte[] frame) throws IOException;

    /**
     * Reads up to {@code length} bytes, waiting at most {@code timeoutMillis} for the first.
     *
     * @return bytes read, 0 on timeout
     */
    int read(byte[] buffer, int offset, int length, int timeoutMillis) throws IOException;

    /** Discards whatever the port has received and not yet read. */
    void discardInput() throws IOException;

    @Override
    void close();

    /** Opens ports. */
    interface Opener {
        SerialIo open(SerialSettings settings) throws IOException;
    }
}
