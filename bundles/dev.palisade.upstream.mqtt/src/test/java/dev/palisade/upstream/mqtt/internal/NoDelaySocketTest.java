package dev.palisade.upstream.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.Test;

/**
 * The link's sockets have Nagle's algorithm off (TCP_NODELAY), the way Paho makes them: an
 * unconnected socket from the options' factory, connected afterwards. Without it a CONNECT or a
 * lone publish waits for Linux's delayed ACK (~40 ms).
 */
class NoDelaySocketTest {

    @Test
    void theLinksConnectionOptionsMakeSocketsWithTcpNoDelay() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        LinkSettings settings = LinkSettings.from(Configs.link(Map.of("hub.uri", "ssl://hub:8883", "hub.trust.domain", "hub")));
        MqttConnectionOptions options = LinkLoop.connectionOptions(settings, context, new Topics("gw-1"));
        SocketFactory factory = options.getSocketFactory();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket plain = context.getSocketFactory().createSocket();
                Socket linkSocket = factory.createSocket()) {
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2_000);
            assertFalse(plain.getTcpNoDelay(), "the JDK's default (Nagle on) is what this test guards against");
            // as Paho's SSLNetworkModule does it: createSocket(), then connect
            linkSocket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 2_000);
            assertTrue(linkSocket.getTcpNoDelay(), "the link's TLS socket must have TCP_NODELAY once connected");
        }
    }

    @Test
    void everyWayOfMakingASocketSetsTcpNoDelay() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        NoDelaySocketFactory factory = new NoDelaySocketFactory(context.getSocketFactory());
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 4, loopback)) {
            int port = server.getLocalPort();
            try (Socket byName = factory.createSocket(loopback.getHostAddress(), port);
                    Socket byAddress = factory.createSocket(loopback, port);
                    Socket tcp = new Socket(loopback, port);
                    Socket layered = factory.createSocket(tcp, "hub", port, true)) {
                assertTrue(byName.getTcpNoDelay());
                assertTrue(byAddress.getTcpNoDelay());
                assertTrue(tcp.getTcpNoDelay(), "a layered socket's TCP socket is the one that carries the option");
                assertTrue(layered.getTcpNoDelay());
            }
        }
    }
}
