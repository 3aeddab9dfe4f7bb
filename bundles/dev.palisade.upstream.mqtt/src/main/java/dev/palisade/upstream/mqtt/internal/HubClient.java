package dev.palisade.upstream.mqtt.internal;

import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.client.MqttToken;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttDisconnect;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;

/**
 * Paho's asynchronous client with a DISCONNECT that does not sleep. Paho 1.2.5's
 * {@code MqttAsyncClient.disconnect(…)} hands the DISCONNECT to its background disconnect task
 * and then sleeps 100 ms on the caller's thread before it even returns the token (as does
 * {@code disconnectForcibly(long, long, int, MqttProperties)}); measured, that sleep was the whole
 * of the old link's 100 ms stop when its bundle is replaced (docs/benchmarks.md). {@link
 * #disconnectPromptly} does what {@code disconnect} does without it: the same DISCONNECT (reason
 * 0, so the broker drops the will), the same background task that sends it, closes the socket and
 * stops Paho's threads, and the same token, complete when all of that is done.
 *
 * <p>This bundle imports Paho's internal package only in the one release this subclass was
 * written against ({@code comms} is Paho's protected field; bnd.bnd pins the version).
 */
final class HubClient extends MqttAsyncClient {

    HubClient(String serverUri, String clientId, MqttClientPersistence persistence, ScheduledExecutorService executor)
            throws MqttException {
        super(serverUri, clientId, persistence, null, executor);
    }

    /**
     * Sends DISCONNECT with reason 0 without waiting for in-flight work (quiesce 0: whatever is
     * not acknowledged yet stays unacknowledged, and the link returns it to the spool).
     *
     * @return completes once the DISCONNECT was written, the socket closed and Paho's threads
     *         stopped
     * @throws MqttException if the client is not connected (Paho's own checks)
     */
    IMqttToken disconnectPromptly() throws MqttException {
        MqttToken token = new MqttToken(getClientId());
        comms.disconnect(new MqttDisconnect(MqttReturnCode.RETURN_CODE_SUCCESS, new MqttProperties()), 0L, token);
        return token;
    }
}
