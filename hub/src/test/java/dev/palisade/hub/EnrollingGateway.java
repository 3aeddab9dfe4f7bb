package dev.palisade.hub;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import dev.palisade.pki.TestCredential;

/**
 * A gateway played by a Paho MQTT v5 client with its key in software: MQTT v5 request/response
 * exactly as docs/protocol.md §2 describes (Response Topic {@code palisade/v1/<G>/res}, random
 * Correlation Data), and QoS 1 publishes returning the PUBACK reason code.
 */
final class EnrollingGateway implements AutoCloseable {
    private final MqttAsyncClient client;
    private final String root;
    private final Map<String, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    private EnrollingGateway(MqttAsyncClient client, String gatewayId) {
        this.client = client;
        this.root = "palisade/v1/" + gatewayId + "/";
    }

    static EnrollingGateway connect(int port, Path serverCa, TestCredential credential, String gatewayId) throws Exception {
        return connect(port, GatewayClient.sslContext(serverCa, credential), gatewayId);
    }

    /** Connects with this TLS context (the enrollment benchmark's holds a key on a PKCS#11 token). */
    static EnrollingGateway connect(int port, javax.net.ssl.SSLContext tls, String gatewayId) throws Exception {
        MqttAsyncClient c = new MqttAsyncClient("ssl://127.0.0.1:" + port, gatewayId, new MemoryPersistence());
        EnrollingGateway gateway = new EnrollingGateway(c, gatewayId);
        c.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                byte[] correlation = message.getProperties() == null ? null : message.getProperties().getCorrelationData();
                if (correlation != null) {
                    CompletableFuture<byte[]> f = gateway.waiting.remove(HexFormat.of().formatHex(correlation));
                    if (f != null) {
                        f.complete(message.getPayload());
                    }
                }
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSocketFactory(tls.getSocketFactory());
        options.setConnectionTimeout(10);
        options.setCleanStart(true);
        c.connect(options).waitForCompletion(15_000);
        c.subscribe(new MqttSubscription(gateway.root + "res", 1)).waitForCompletion(10_000);
        return gateway;
    }

    /** Sends a request on {@code <root><suffix>} and returns the hub's answer. */
    byte[] request(String suffix, byte[] payload) throws Exception {
        return requestAsync(suffix, payload).get(30, TimeUnit.SECONDS);
    }

    /**
     * Sends a request on {@code <root><suffix>} (waiting for its PUBACK only) and returns the
     * hub's answer when it comes: several requests may be outstanding at once.
     */
    CompletableFuture<byte[]> requestAsync(String suffix, byte[] payload) throws Exception {
        byte[] correlation = new byte[16];
        random.nextBytes(correlation);
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        waiting.put(HexFormat.of().formatHex(correlation), answer);
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic(root + "res");
        properties.setCorrelationData(correlation);
        message.setProperties(properties);
        IMqttToken token = client.publish(root + suffix, message);
        token.waitForCompletion(10_000);
        int[] codes = token.getReasonCodes();
        int code = codes == null || codes.length == 0 ? 0 : codes[0];
        if (code != 0) {
            throw new AssertionError("PUBACK 0x" + Integer.toHexString(code) + " for the request on " + suffix);
        }
        return answer;
    }

    /**
     * Subscribes to {@code <root><observed>} (QoS 1), then sends a request on {@code <root><suffix>}
     * naming {@code <root><responseSuffix>} as its Response Topic.
     *
     * @return the messages that arrive on the observed topic filter
     */
    java.util.concurrent.BlockingQueue<byte[]> requestWithResponseTopic(String suffix, byte[] payload, String responseSuffix,
            String observed) throws Exception {
        java.util.concurrent.BlockingQueue<byte[]> arrived = new java.util.concurrent.LinkedBlockingQueue<>();
        IMqttToken sub = client.subscribe(new MqttSubscription[] {new MqttSubscription(root + observed, 1)}, null, null,
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {(topic, m) -> arrived.add(m.getPayload())},
                new MqttProperties());
        sub.waitForCompletion(10_000);
        int granted = sub.getReasonCodes() == null ? 0 : sub.getReasonCodes()[0];
        if (granted >= 0x80) {
            throw new AssertionError("SUBACK 0x" + Integer.toHexString(granted) + " for " + root + observed);
        }
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic(root + responseSuffix);
        byte[] correlation = new byte[16];
        random.nextBytes(correlation);
        properties.setCorrelationData(correlation);
        message.setProperties(properties);
        client.publish(root + suffix, message).waitForCompletion(10_000);
        return arrived;
    }

    /** Publishes QoS 1 under the gateway's root and returns the PUBACK reason code. */
    int publish(String suffix, String payload) throws MqttException {
        return publishAbsolute(root + suffix, payload);
    }

    /** Publishes QoS 1 on exactly {@code topic} and returns the PUBACK reason code. */
    int publishAbsolute(String topic, String payload) throws MqttException {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        IMqttToken token = client.publish(topic, message);
        token.waitForCompletion(10_000);
        int[] codes = token.getReasonCodes();
        return codes == null || codes.length == 0 ? 0 : codes[0];
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
        } finally {
            client.close(true);
        }
    }
}
