package dev.palisade.upstream.mqtt.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The link's TLS sockets with TCP_NODELAY: Nagle's algorithm off.
 *
 * <p>Why: Paho writes one MQTT packet in several small writes (fixed header, then variable
 * header and payload), and over TLS each write is its own record and TCP segment. With Nagle on,
 * the second segment waits until the first is acknowledged, and Linux delays that ACK by up to
 * 40 ms: a CONNECT took ~40 ms even on an idle loopback, and so did any publish or command answer
 * sent while nothing else was in flight. The link batches nothing by timing (its window of
 * in-flight messages does that), so there is nothing for Nagle to save.
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
