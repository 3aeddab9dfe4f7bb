package dev.palisade.upstream.mqtt.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A TCP connection and TLS handshake to the hub made before Paho asks for a socket. A link that
 * takes over from an older one running beside it ({@link OlderLinks}) makes them while the older
 * link still drains the spool, so that neither is in the data gap of the swap; Paho then gets the
 * connected socket from {@link #socketFactory()} ({@link PreparedTlsSocket} finds Paho's connect
 * and handshake done) and only its CONNECT is left.
 *
 * <p>The handshake is the one Paho's {@code SSLNetworkModule} would make: the same context
 * (the gateway's key on its token, the hub's trust), SNI with the hub's host, endpoint
 * identification {@code HTTPS}, TCP_NODELAY ({@link NoDelaySocketFactory} says why), and the
 * connect timeout for the TCP connect and for the handshake. A failure is thrown here, before the
 * older link is asked to yield: a new link that cannot reach or authenticate the hub never ends
 * the working session of the old one.
 */
final class PreparedTls {

    private final SSLContext context;
    /** The connection until Paho takes it; {@code null} after. */
    private SSLSocket opened;

    private PreparedTls(SSLContext context, SSLSocket opened) {
        this.context = context;
        this.opened = opened;
    }

    /**
     * Connects and makes the handshake.
     *
     * @throws IOException as Paho's own connect would have met it (ConnectException, SSLHandshakeException…)
     */
    static PreparedTls open(SSLContext context, String host, int port, int timeoutMillis) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            ssl.setTcpNoDelay(true);
            ssl.connect(new InetSocketAddress(host, port), timeoutMillis);
            ssl.setSoTimeout(timeoutMillis);
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(parameters);
            ssl.startHandshake();
        } catch (IOException | RuntimeException e) {
            ssl.close();
            throw e;
        }
        return new PreparedTls(context, ssl);
    }

    /** @return a factory whose {@code createSocket()} hands Paho this connection, once */
    SSLSocketFactory socketFactory() {
        return new SSLSocketFactory() {
            @Override
            public Socket createSocket() throws IOException {
                return new PreparedTlsSocket(take());
            }

            @Override
            public String[] getDefaultCipherSuites() {
                return context.getSocketFactory().getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return context.getSocketFactory().getSupportedCipherSuites();
            }

            @Override
            public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                throw notThisWay();
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                throw notThisWay();
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
                throw notThisWay();
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                throw notThisWay();
            }

            @Override
            public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                    throws IOException {
                throw notThisWay();
            }
        };
    }

    private static IOException notThisWay() {
        return new IOException("the hub link hands Paho its prepared connection only through createSocket()");
    }

    private synchronized SSLSocket take() throws IOException {
        if (opened == null) {
            throw new IOException("the prepared TLS connection was already handed to Paho or closed");
        }
        SSLSocket ssl = opened;
        opened = null;
        return ssl;
    }

    /** Closes the connection if Paho never took it (the connect failed before it asked). */
    void closeIfUnused() {
        SSLSocket left;
        synchronized (this) {
            left = opened;
            opened = null;
        }
        if (left != null) {
            try {
                left.close();
            } catch (IOException e) {
                // closing a connection nobody used; nothing else to do
            }
        }
    }
}
