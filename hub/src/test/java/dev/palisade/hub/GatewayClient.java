package dev.palisade.hub;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

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
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;

/** A gateway as the hub sees it: a real Paho MQTT v5 client over mutual TLS. */
final class GatewayClient implements AutoCloseable {
    final MqttAsyncClient client;
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    volatile MqttDisconnectResponse disconnected;

    private GatewayClient(MqttAsyncClient client) {
        this.client = client;
    }

    /** Connects, or throws the MqttException Paho reports (its reason code is the CONNACK's). */
    static GatewayClient connect(int port, Path serverCa, TestCredential credential, String clientId)
            throws Exception {
        MqttAsyncClient c = new MqttAsyncClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        GatewayClient gateway = new GatewayClient(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                gateway.disconnected = response;
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                gateway.received.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8));
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
        options.setSocketFactory(sslContext(serverCa, credential).getSocketFactory());
        options.setConnectionTimeout(10);
        options.setCleanStart(true);
        try {
            c.connect(options).waitForCompletion(15_000);
        } catch (MqttException e) {
            c.close(true);
            throw e;
        }
        return gateway;
    }

    static SSLContext sslContext(Path serverCa, TestCredential credential) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        List<X509Certificate> cas = PkiFiles.readCertificates(serverCa);
        trust.setCertificateEntry("hub-ca", cas.get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (credential != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", credential.key(), "x".toCharArray(),
                    credential.chain().toArray(new X509Certificate[0]));
            kmf.init(keys, "x".toCharArray());
        } else {
            KeyStore empty = KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            kmf.init(empty, "x".toCharArray());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ssl;
    }

    /** Publishes QoS 1 and returns the PUBACK reason code. */
    int publish(String topic, String payload) throws MqttException {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        IMqttToken token = client.publish(topic, message);
        token.waitForCompletion(10_000);
        int[] codes = token.getReasonCodes();
        return codes == null || codes.length == 0 ? 0 : codes[0];
    }

    /** Subscribes QoS 1 and returns the SUBACK reason code. */
    int subscribe(String filter) throws MqttException {
        IMqttToken token = client.subscribe(new MqttSubscription(filter, 1));
        token.waitForCompletion(10_000);
        return token.getReasonCodes()[0];
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
