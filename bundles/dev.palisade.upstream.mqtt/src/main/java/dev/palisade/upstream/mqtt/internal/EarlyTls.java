package dev.palisade.upstream.mqtt.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The TCP connection and TLS handshake to the hub, started on one of the connection's threads
 * before Paho asks for a socket, so that they run while the link makes Paho's client: in a new
 * link instance (a bundle update) Paho's classes load cold in the bundle's new class space, which
 * measured 25–100 ms, and the handshake does not need Paho. Paho then gets the connected socket
 * from {@link #socketFactory()} ({@link EarlyTlsSocket} ignores its second connect and handshake).
 *
 * <p>The handshake is the one Paho's {@code SSLNetworkModule} would make: the same context, SNI
 * with the hub's host, endpoint identification {@code HTTPS}, the connect timeout for the TCP
 * connect and for the handshake; failures reach Paho (and the link's error text) as the same
 * exceptions.
 */
final class EarlyTls {

    private final Future<SSLSocket> socket;
    /** The context, once made; its factory's cipher suite lists serve Paho's questions. */
    private volatile SSLContext context;
    /** Set once the socket is handed to Paho, or abandoned by {@link #closeIfUnused}. */
    private boolean taken;
    /** The socket {@link #open} made, until taken. */
    private SSLSocket opened;
    /** How long the TLS context took to make, and the TCP connect with the handshake, in ms. */
    private volatile long contextMillis;
    private volatile long handshakeMillis;

    /**
     * Starts making the context and connecting on {@code executor}.
     *
     * @param contexts makes the TLS context (on the executor's thread); may throw
     * @param timeoutMillis for the TCP connect and, again, for the handshake
     */
    EarlyTls(ExecutorService executor, Callable<SSLContext> contexts, String host, int port, int timeoutMillis) {
        this.socket = executor.submit(() -> open(contexts, host, port, timeoutMillis));
    }

    private SSLSocket open(Callable<SSLContext> contexts, String host, int port, int timeoutMillis) throws Exception {
        long started = System.nanoTime();
        SSLContext made = contexts.call();
        context = made;
        long madeAt = System.nanoTime();
        contextMillis = (madeAt - started) / 1_000_000;
        SSLSocket ssl = (SSLSocket) made.getSocketFactory().createSocket();
        try {
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
        handshakeMillis = (System.nanoTime() - madeAt) / 1_000_000;
        synchronized (this) {
            if (taken) {
                ssl.close(); // abandoned while it was being made
            } else {
                opened = ssl;
            }
        }
        return ssl;
    }

    /** @return the parallel phases for the link's timing line */
    String describe() {
        return "TLS context " + contextMillis + " ms, TCP+TLS " + handshakeMillis + " ms";
    }

    /**
     * Waits until the connection is made or failed. A failed TCP connect or handshake is not
     * thrown here: Paho gets it from {@code createSocket()} where it would have met it itself, so
     * the link's error text stays what the operator's table (docs/upstream.md) shows.
     *
     * @throws Exception what making the TLS context threw (a configuration problem), as thrown
     */
    void await() throws Exception {
        try {
            socket.get();
        } catch (ExecutionException e) {
            Exception cause = unwrap(e);
            if (!(cause instanceof IOException)) {
                throw cause;
            }
        }
    }

    /** @return a factory whose {@code createSocket()} waits for the connection and hands it to Paho, once */
    SSLSocketFactory socketFactory() {
        return new SSLSocketFactory() {
            @Override
            public Socket createSocket() throws IOException {
                return new EarlyTlsSocket(take());
            }

            @Override
            public String[] getDefaultCipherSuites() {
                SSLContext made = context;
                return made == null ? new String[0] : made.getSocketFactory().getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                SSLContext made = context;
                return made == null ? new String[0] : made.getSocketFactory().getSupportedCipherSuites();
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
        return new IOException("the hub link hands Paho its connection only through createSocket()");
    }

    private SSLSocket take() throws IOException {
        try {
            socket.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to the hub", e);
        } catch (ExecutionException e) {
            Exception cause = unwrap(e);
            if (cause instanceof IOException io) {
                throw io; // as Paho's own connect would have thrown it (ConnectException, SSLHandshakeException…)
            }
            throw new IOException(cause.getMessage(), cause);
        }
        synchronized (this) {
            if (taken || opened == null) {
                throw new IOException("the early TLS connection was already handed out or abandoned");
            }
            taken = true;
            SSLSocket ssl = opened;
            opened = null;
            return ssl;
        }
    }

    private static Exception unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception failure) {
            return failure;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return e;
    }

    /**
     * Closes the connection if Paho never took it (the connect failed before it asked), now or,
     * if it is still being made, as soon as it is made.
     */
    void closeIfUnused() {
        SSLSocket left;
        synchronized (this) {
            taken = true;
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
