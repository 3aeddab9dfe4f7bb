package dev.palisade.bus.modbus.internal;

import java.io.IOException;

/** The device's TLS certificate was refused by the trust service; the message is the verdict's. */
final class RefusedPeerException extends IOException {

    private static final long serialVersionUID = 1L;

    RefusedPeerException(String verdict, Throwable cause) {
        super(verdict, cause);
    }
}
