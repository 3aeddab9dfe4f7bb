package dev.palisade.upstream.mqtt.internal;

import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The hub's side in the tests: a Paho v5 client with its own certificate that subscribes to the
 * gateway's topics and records what arrives (sequence numbers in the first 8 payload bytes,
 * counted and summed), and can send commands. Its session survives a broker restart
 * (clean start off, long session expiry) so no message is lost on the observer's side.
 */
final class Observer implements MqttCallback, AutoCloseable {

    final Map<Long, Integer> received = new ConcurrentHashMap<>();
    final AtomicLong total = new AtomicLong();
    /** Publish-to-arrival times, for payloads that carry System.nanoTime() in bytes 8-15 (benchmark only). */
    final java.util.concurrent.ConcurrentLinkedQueue<Long> latencyNanos = new java.util.concurrent.ConcurrentLinkedQueue<>();
    volatile boolean recordLatency;
    final List<String> statuses = new CopyOnWriteArrayList<>();
    final List<MqttMessage> replies = new CopyOnWriteArrayList<>();
    final MqttAsyncClient client;
    private final MqttConnectionOptions options;

    Observer(String uri, TestPki pki, String clientId) throws Exception {
        KeyPair keys = TestPki.ecKeys();
        X509Certificate cert = pki.client(keys.getPublic(), clientId);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry("observer", keys.getPrivate(), new char[0], new X509Certificate[] {cert, pki.ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keyStore, new char[0]);
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", pki.ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        client.setCallback(this);
        options = new MqttConnectionOptions();
        options.setSocketFactory(context.getSocketFactory());
        options.setCleanStart(false);
        options.setSessionExpiryInterval(3600L);
        options.setReceiveMaximum(1000);
    }

    Observer connect(String... filters) throws MqttException {
        client.connect(options).waitForCompletion(15_000);
        for (String filter : filters) {
            client.subscribe(filter, 1).waitForCompletion(10_000);
        }
        return this;
    }

    /** Reconnects after a broker restart, retrying until the broker accepts. */
    void reconnect() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                client.connect(options).waitForCompletion(10_000);
                return;
            } catch (MqttException e) {
                Mosquitto.sleep(100);
            }
        }
        throw new AssertionError("the observer could not reconnect within 30 s");
    }

    static byte[] payload(long sequence, int size) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(8, size));
        buffer.putLong(sequence);
        return buffer.array();
    }

    void reset() {
        received.clear();
        total.set(0);
        latencyNanos.clear();
    }

    long distinct() {
        return received.size();
    }

    long duplicates() {
        return total.get() - received.size();
    }

    long checksum() {
        return received.keySet().stream().mapToLong(Long::longValue).sum();
    }

    void awaitDistinct(long count, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (distinct() < count && System.nanoTime() < deadline) {
            Mosquitto.sleep(50);
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        if (topic.endsWith("/status")) {
            statuses.add(new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
        } else if (topic.endsWith("/telemetry")) {
            ByteBuffer buffer = ByteBuffer.wrap(message.getPayload());
            long sequence = buffer.getLong();
            if (recordLatency && buffer.remaining() >= 8) {
                latencyNanos.add(System.nanoTime() - buffer.getLong());
            }
            received.merge(sequence, 1, Integer::sum);
            total.incrementAndGet();
        } else if (topic.endsWith("/enroll/request") && message.getProperties().getResponseTopic() != null) {
            // Plays the hub's enrollment service: answers with "re:" and the request.
            MqttProperties answer = new MqttProperties();
            answer.setCorrelationData(message.getProperties().getCorrelationData());
            byte[] body = ("re:" + new String(message.getPayload(), java.nio.charset.StandardCharsets.UTF_8))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try {
                client.publish(message.getProperties().getResponseTopic(), new MqttMessage(body, 1, false, answer));
            } catch (MqttException e) {
                throw new IllegalStateException(e);
            }
        } else {
            replies.add(message);
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
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

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect().waitForCompletion(5_000);
        }
        client.close(true);
    }
}
