package dev.palisade.bus.modbus.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.tls.TlsClientProtocol;

/**
 * A Modbus/TCP Security connection as the transport sees a socket: the application data streams
 * of a Bouncy Castle TLS connection over a plain TCP socket, and the chain the device presented
 * (for the trust service's re-checks while connected).
 *
 * <p>{@link #close()} closes the TCP socket at once, without a close_notify: the transport closes
 * to cut a hung or refused device, and a close_notify could block behind a write the device does
 * not read. Modbus frames carry their own length, so a truncated stream is never misread.
 */
final class TlsSocket extends Socket {

    private final Socket plain;
    private final TlsClientProtocol protocol;
    private final List<X509Certificate> peerChain;
    private final String description;

    TlsSocket(Socket plain, TlsClientProtocol protocol, List<X509Certificate> peerChain, String description) {
        this.plain = plain;
        this.protocol = protocol;
        this.peerChain = List.copyOf(peerChain);
        this.description = description;
    }

    /** @return the device's chain as the handshake accepted it, leaf first */
    List<X509Certificate> peerChain() {
        return peerChain;
    }

    @Override
    public InputStream getInputStream() {
        return protocol.getInputStream();
    }

    @Override
    public OutputStream getOutputStream() {
        return protocol.getOutputStream();
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
        plain.setSoTimeout(timeout);
    }

    @Override
    public synchronized int getSoTimeout() throws SocketException {
        return plain.getSoTimeout();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return plain.getRemoteSocketAddress();
    }

    @Override
    public boolean isConnected() {
        return plain.isConnected();
    }

    @Override
    public boolean isClosed() {
        return plain.isClosed();
    }

    @Override
    public synchronized void close() throws IOException {
        plain.close();
    }

    @Override
    public String toString() {
        return description;
    }
}
