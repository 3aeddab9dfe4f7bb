package dev.palisade.upstream.mqtt.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The link's TLS sockets with TCP_NODELAY: Nagle's algorithm off.
 *
 * <p>Why: with Nagle on, a small segment sent while an earlier one of the same socket is not yet
 * acknowledged waits for that acknowledgement, and Linux delays an ACK by up to 40 ms. The link
 * does that (most likely, not seen on the wire): the CONNECT right behind the last flight of the
 * TLS handshake, a command's answer right behind the PUBACK for the command. CONNECT took 30-70 ms even with
 * Paho's classes warm, 5-25 ms with this (docs/benchmarks.md, hot swap). The link batches
 * nothing by timing (its window of in-flight messages keeps the pipe full under load), so there
 * is nothing for Nagle to save.
 *
 * <p>Paho's SSL network module makes an unconnected socket ({@link #createSocket()}) and connects
 * it itself; the other variants are covered too, so the option holds whichever Paho uses.
 */
final class NoDelaySocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;

    NoDelaySocketFactory(SSLSocketFactory delegate) {
        this.delegate = delegate;
    }

    private static Socket noDelay(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
        return noDelay(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket layered, String host, int port, boolean autoClose) throws IOException {
        layered.setTcpNoDelay(true);
        return noDelay(delegate.createSocket(layered, host, port, autoClose));
    }

    @Override
    public Socket createSocket(Socket layered, InputStream consumed, boolean autoClose) throws IOException {
        layered.setTcpNoDelay(true);
        return noDelay(delegate.createSocket(layered, consumed, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return noDelay(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return noDelay(delegate.createSocket(address, port, localAddress, localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }
}
