package dev.palisade.bus.modbus.internal;

import java.util.concurrent.CompletableFuture;

/**
 * Carries request PDUs to a unit and brings back the response PDU. Never blocks the caller:
 * a request that cannot be sent yet (connecting, a busy serial line) is queued.
 */
interface Transport extends AutoCloseable {

    /**
     * @param unit the unit id (slave address), 0-255
     * @param pdu the request PDU
     * @return completes with the response PDU (possibly an exception response), or exceptionally
     *         with a {@link ModbusException} (timeout, transport error, closed)
     */
    CompletableFuture<byte[]> request(int unit, byte[] pdu);

    /** Fails every pending request with {@code CLOSED} and stops the transport's threads. */
    @Override
    void close();
}
