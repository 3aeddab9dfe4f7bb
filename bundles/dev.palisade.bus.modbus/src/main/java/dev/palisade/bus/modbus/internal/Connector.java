package dev.palisade.bus.modbus.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Opens the socket of a TCP transport: plain for {@code tcp}, TLS for {@code tls}. */
interface Connector {

    /**
     * @return a connected socket (TLS: with the handshake done and the peer verified)
     * @throws IOException if it cannot connect or the peer is refused
     */
    Socket connect(String host, int port, int timeoutMillis) throws IOException;

    /**
     * Asks again whether the peer of an open connection is still trusted: a deny-list entry or
     * a revocation made while it is connected must cut it, not wait for the next handshake.
     * Called before requests are written; cheap when nothing is due.
     *
     * @return null if it is (or nothing is checked), else the reason it is refused now
     */
    default String refusal(Socket socket) {
        return null;
    }

    /**
     * Whether the open connection's handshake is too old to stand for the peer any longer: the
     * transport then closes it when nothing is in flight and opens a new one (a fresh handshake)
     * for the waiting requests — nothing fails. Called before requests are written; cheap.
     *
     * @return true if the connection should be replaced
     */
    default boolean stale(Socket socket) {
        return false;
    }

    /** Plain TCP with Nagle off: requests are small and latency matters. */
    Connector PLAIN = (host, port, timeoutMillis) -> {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    };
}
