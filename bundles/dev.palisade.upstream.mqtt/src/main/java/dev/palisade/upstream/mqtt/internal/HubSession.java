package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection to the hub, from CONNACK to its end. Owns the in-flight window and the
 * spool entries in flight on this connection: each is acknowledged to the spool only on a
 * successful PUBACK and released back to it on a refusal, a failed send or the end of the
 * connection. A new connection gets a new session (clean start), so no state leaks between
 * connections and Paho keeps nothing (its persistence is memory-only and emptied with the client).
 *
 * <p>Threads: {@link #drain} runs on the link loop's thread; Paho calls the callbacks on its own
 * threads; commands and requests live in {@link SessionExchanges}.
 */
final class HubSession implements MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(HubSession.class);
    static final int REASON_NOT_AUTHORIZED = 0x87;

    /** An entry in flight on this connection, with the spool that handed it out. */
    private record InFlight(Spool spool, SpoolEntry entry) {
    }

    final HubClient client;
    /** Paho's threads for this connection: shut down when it has been torn down. */
    final PahoThreads threads;
    final Topics topics;
    final SessionExchanges exchanges;
    private final LinkStats stats;
    private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Instant> heldKeys;
    private final Duration holdBack;
    private final Predicate<String> gate;
    private volatile Semaphore window = new Semaphore(0);
    /** Notified when the last message in flight was acknowledged or released. */
    private final Object settled = new Object();
    private volatile String endReason;
    private volatile boolean endedByGateway;

    HubSession(HubClient client, PahoThreads threads, Topics topics, LinkStats stats, SessionExchanges exchanges,
            Map<String, Instant> heldKeys, Duration holdBack, Predicate<String> gate) {
        this.client = client;
        this.threads = threads;
        this.topics = topics;
        this.stats = stats;
        this.exchanges = exchanges;
        this.heldKeys = heldKeys;
        this.holdBack = holdBack;
        this.gate = gate;
    }

    /** Called once CONNACK told us the hub's Receive Maximum. */
    void openWindow(int configured, Integer receiveMaximum) {
        int hubMax = receiveMaximum == null ? 65_535 : receiveMaximum;
        // Keep a few of the hub's slots for command responses, requests and the status message:
        // Paho throws 32202 instead of queueing when the hub's Receive Maximum is exceeded.
        int reserve = Math.min(8, Math.max(1, hubMax / 4));
        int size = Math.max(1, Math.min(configured, hubMax - reserve));
        stats.receiveMaximum = hubMax;
        stats.window = size;
        window = new Semaphore(size);
    }

    boolean isUp() {
        return endReason == null && client.isConnected();
    }

    String endReason() {
        return endReason != null ? endReason : "connection closed";
    }

    void end(String reason) {
        if (endReason == null) {
            endReason = reason;
        }
    }

    /** The gateway ends this connection itself (not the hub or the network): tear it down cleanly. */
    void endByGateway(String reason) {
        endedByGateway = true;
        end(reason);
    }

    boolean endedByGateway() {
        return endedByGateway;
    }

    int inFlight() {
        return inFlight.size();
    }

    /**
     * Waits until nothing is in flight (every message sent was acknowledged or released), for a
     * link that hands over: what the hub acknowledged is not sent again by the successor.
     *
     * @return whether nothing is in flight now
     */
    boolean awaitSettled(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (settled) {
            while (!inFlight.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(settled, left);
            }
        }
        return true;
    }

    private void settledIfEmpty() {
        if (inFlight.isEmpty()) {
            synchronized (settled) {
                settled.notifyAll();
            }
        }
    }

    /**
     * Drains the spool into the connection until it ends or {@code running} turns false.
     *
     * @param spools the current spool, or {@code null} while none is bound
     */
    void drain(Supplier<Spool> spools, Supplier<Boolean> running, int batch, Duration linger) throws InterruptedException {
        Predicate<String> eligible = key -> {
            if (!gate.test(key)) {
                return false; // a child not enrolled yet: its messages wait in the spool, others go on
            }
            Instant until = heldKeys.get(key);
            return until == null || until.isBefore(Instant.now()) && heldKeys.remove(key, until);
        };
        while (running.get() && isUp()) {
            Spool spool = spools.get();
            if (spool == null) {
                Thread.sleep(linger.toMillis());
                continue;
            }
            Semaphore permits = window;
            if (!permits.tryAcquire(linger.toMillis(), TimeUnit.MILLISECONDS)) {
                continue;
            }
            int taken = 1;
            while (taken < batch && permits.tryAcquire()) {
                taken++;
            }
            java.util.List<SpoolEntry> entries;
            try {
                entries = spool.next(taken, eligible, linger);
            } catch (RuntimeException e) {
                permits.release(taken);
                LOG.warn("Hub link: the spool failed to hand out messages ({}); retrying", e.toString());
                Thread.sleep(linger.toMillis());
                continue;
            }
            permits.release(taken - entries.size());
            for (SpoolEntry entry : entries) {
                send(spool, entry, permits);
            }
        }
    }

    private void send(Spool spool, SpoolEntry entry, Semaphore permits) {
        SpoolMessage message = entry.message();
        MqttMessage mqtt = new MqttMessage(message.payload(), 1, false, null);
        if (message.expiresAt() != null) {
            long seconds = Duration.between(Instant.now(), message.expiresAt()).toSeconds();
            MqttProperties properties = new MqttProperties();
            properties.setMessageExpiryInterval(Math.max(1L, seconds));
            mqtt.setProperties(properties);
        }
        inFlight.put(entry.sequence(), new InFlight(spool, entry));
        try {
            client.publish(topics.of(message.topic()), mqtt, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    completed(entry.sequence(), token.getReasonCodes(), null, permits);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable failure) {
                    completed(entry.sequence(), null, failure, permits);
                }
            });
            stats.published.incrementAndGet();
        } catch (MqttException | RuntimeException e) {
            completed(entry.sequence(), null, e, permits);
            end("publish failed: " + LinkErrors.describe(e));
        }
    }

    private void completed(long sequence, int[] reasonCodes, Throwable failure, Semaphore permits) {
        InFlight done = inFlight.remove(sequence);
        permits.release();
        if (done == null) {
            return; // already released when the connection ended
        }
        try {
            settle(sequence, done, reasonCodes, failure);
        } finally {
            settledIfEmpty(); // after the spool knows: a successor may drain right after
        }
    }

    private void settle(long sequence, InFlight done, int[] reasonCodes, Throwable failure) {
        int reason = reasonCodes != null && reasonCodes.length > 0 ? reasonCodes[0] : 0;
        if (failure == null && reason < 0x80) {
            done.spool().ack(sequence);
            stats.acknowledged.incrementAndGet();
            return;
        }
        done.spool().release(sequence);
        stats.released.incrementAndGet();
        if (failure == null || failure instanceof MqttException m && isMqttReason(m.getReasonCode())) {
            // The hub refused this message (for example a child it does not know yet): keep the
            // key's messages in the spool for a while instead of hammering the hub with them.
            int code = failure == null ? reason : ((MqttException) failure).getReasonCode();
            String key = done.entry().message().key();
            stats.rejected.incrementAndGet();
            if (heldKeys.put(key, Instant.now().plus(holdBack)) == null) {
                LOG.warn("Hub link: the hub refused '{}' with reason 0x{}{}; holding back key '{}' for {} s",
                        done.entry().message().topic(), Integer.toHexString(code),
                        code == REASON_NOT_AUTHORIZED ? " (not authorized)" : "", key, holdBack.toSeconds());
            }
        }
    }

    /** @return whether {@code code} is an MQTT v5 failure reason from the hub, not a Paho client error (32xxx) */
    static boolean isMqttReason(int code) {
        return code >= 0x80 && code <= 0xFF;
    }

    /** Releases everything still in flight back to its spool: the connection is gone. */
    int releaseAll() {
        int count = 0;
        for (Long sequence : inFlight.keySet()) {
            InFlight entry = inFlight.remove(sequence);
            if (entry != null) {
                entry.spool().release(sequence);
                stats.released.incrementAndGet();
                count++;
            }
        }
        settledIfEmpty();
        return count;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        String detail = response.getException() != null ? LinkErrors.describe(response.getException())
                : "the hub disconnected" + (response.getReasonString() != null ? ": " + response.getReasonString()
                        : " with reason 0x" + Integer.toHexString(response.getReturnCode()));
        end(detail);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.warn("Hub link: MQTT error {}", LinkErrors.describe(exception));
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        exchanges.arrived(this, topic, message);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // Completion is handled per publish by its action listener.
    }

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {
        // The link's own loop connects; nothing to do here.
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        LOG.warn("Hub link: unexpected AUTH packet with reason 0x{} ignored", Integer.toHexString(reasonCode));
    }
}
