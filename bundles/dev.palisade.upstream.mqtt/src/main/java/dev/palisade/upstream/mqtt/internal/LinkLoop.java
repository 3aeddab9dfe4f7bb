package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.UpstreamException.Reason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link's one thread: connect, drain until the connection ends, tear down, wait a jittered
 * backoff, again — an explicit state machine instead of Paho's automatic reconnect, so that the
 * link always knows what is in flight and releases it to the spool when a connection ends.
 */
final class LinkLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(LinkLoop.class);
    static final byte[] ONLINE = "{\"v\":1,\"state\":\"online\"}".getBytes(StandardCharsets.UTF_8);
    static final byte[] OFFLINE = "{\"v\":1,\"state\":\"offline\"}".getBytes(StandardCharsets.UTF_8);

    private final MqttLinkComponent link;
    private final LinkSettings settings;
    private final LinkStats stats;
    private final SessionExchanges exchanges;
    private final Backoff backoff;
    private final BlockingQueue<Object> wakeups = new LinkedBlockingQueue<>();
    private final Map<String, Instant> heldKeys = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile HubSession session;
    /** The identity the current or last connection was made with. */
    private volatile GatewayIdentity connectedAs;
    /** When {@link #stop} was called (nanoTime), for the stop's timing line; 0 before. */
    private volatile long stopRequestedAt;
    /** Phases of the last connect, for the timing line of this instance's first connection. */
    private final PhaseTimer connectPhases = new PhaseTimer();
    /** When the component made this loop (nanoTime): the start of its activation by SCR. */
    private final long createdAt = System.nanoTime();

    LinkLoop(MqttLinkComponent link, LinkSettings settings, LinkStats stats, SessionExchanges exchanges) {
        this.link = link;
        this.settings = settings;
        this.stats = stats;
        this.exchanges = exchanges;
        this.backoff = new Backoff(settings.backoffMinMillis(), settings.backoffMaxMillis(),
                n -> ThreadLocalRandom.current().nextLong(n));
    }

    HubSession session() {
        HubSession current = session;
        return current != null && current.isUp() ? current : null;
    }

    /** Something the loop waits for appeared (identity, spool, trust service): try now. */
    void wake() {
        wakeups.offer(Boolean.TRUE);
    }

    /**
     * Ends the current connection cleanly (offline status, DISCONNECT) if it was made with the
     * identity {@code gone}; from any thread: the drain sees it within {@code batch.linger.ms}.
     */
    void identityWithdrawn(GatewayIdentity gone) {
        HubSession current = session;
        if (current != null && connectedAs == gone) {
            current.endByGateway(MqttLinkComponent.IDENTITY_WITHDRAWN);
        }
    }

    void stop() {
        stopRequestedAt = System.nanoTime();
        running = false;
        wake();
    }

    @Override
    public void run() {
        long startedAt = System.nanoTime();
        boolean firstConnection = true;
        while (running) {
            String missing = link.missingPrerequisite();
            if (missing != null) {
                link.changeState(LinkState.DOWN, missing);
                pause(settings.backoffMaxMillis());
                continue;
            }
            link.changeState(LinkState.CONNECTING, "connecting to " + settings.uri());
            HubSession current = null;
            String reason;
            try {
                GatewayIdentity identity = link.identity();
                connectedAs = identity;
                current = connect(identity);
                session = current;
                if (link.identity() != identity) {
                    // Withdrawn during the handshake, when there was no session to end yet.
                    current.endByGateway(MqttLinkComponent.IDENTITY_WITHDRAWN);
                }
                backoff.reset();
                stats.connects.incrementAndGet();
                stats.connectedSince = Instant.now();
                link.changeState(LinkState.UP, "connected to " + settings.uri() + " as " + current.topics.root
                        + "… (window " + stats.window + ", hub Receive Maximum " + stats.receiveMaximum + ")");
                if (firstConnection) {
                    // Where a new link instance (a start, a bundle update) spends its time to UP.
                    firstConnection = false;
                    LOG.info("Hub link: UP {} ms after activation (binding and thread start {} ms; last attempt: {})",
                            millisSince(createdAt), TimeUnit.NANOSECONDS.toMillis(startedAt - createdAt), connectPhases);
                }
                current.drain(link::spool, () -> running, settings.batchSize(), settings.linger());
                reason = running ? current.endReason() : "the link is stopping";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reason = "the link is stopping";
                running = false;
            } catch (Exception e) {
                stats.connectFailures.incrementAndGet();
                reason = "cannot connect to " + settings.uri() + ": " + LinkErrors.describe(e);
            }
            session = null;
            stats.connectedSince = null;
            long stopAt = stopRequestedAt;
            PhaseTimer stopPhases = new PhaseTimer(!running && stopAt != 0L ? stopAt : System.nanoTime());
            if (current != null) {
                current.end(reason);
                teardown(current, !running || current.endedByGateway(), stopPhases);
            }
            if (!running && stopAt != 0L) {
                LOG.info("Hub link: stopped {} ms after the stop request ({})", millisSince(stopAt), stopPhases);
            }
            exchanges.failAll(running ? Reason.LINK_DOWN : Reason.CLOSED, "the link to the hub went down: " + reason);
            if (!running) {
                link.changeState(LinkState.DOWN, "stopped");
                return;
            }
            stats.error(reason);
            long delay = backoff.nextDelayMillis();
            link.changeState(LinkState.DOWN, reason + "; next attempt in " + delay + " ms");
            pause(delay);
        }
        link.changeState(LinkState.DOWN, "stopped");
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    private HubSession connect(GatewayIdentity identity) throws Exception {
        PhaseTimer phases = connectPhases;
        phases.restart();
        Topics topics = new Topics(identity.gatewayId());
        String host = URI.create(settings.uri()).getHost();
        X509TrustManager trust = HubTrust.forHub(settings.trustDomain(), settings.anchorsFile(), link::trustService, host);
        SSLContext context = identity.sslContext(new TrustManager[] {trust}, settings.jsseProvider());
        phases.mark("TLS context");

        // MemoryPersistence: the spool is the persistence; Paho's file store would cost ~25x
        // in throughput for nothing. The client id is the gateway id from the certificate.
        // (Making the TLS context, or even connecting, on another thread meanwhile was tried: on
        // the two-core box of the hot-swap benchmark it gained nothing, docs/benchmarks.md.)
        PahoThreads threads = new PahoThreads("palisade-upstream-paho");
        HubClient client;
        try {
            client = new HubClient(settings.uri(), identity.gatewayId(), new MemoryPersistence(), threads.executor());
        } catch (Exception | Error e) {
            threads.shutdown();
            throw e;
        }
        phases.mark("Paho client");
        HubSession created = new HubSession(client, threads, topics, stats, exchanges, heldKeys, settings.holdBack(),
                link::mayDrain);
        client.setCallback(created);
        MqttConnectionOptions options = connectionOptions(settings, context, topics);
        try {
            threads.nudge(true);
            IMqttToken connected = client.connect(options);
            connected.waitForCompletion(TimeUnit.SECONDS.toMillis(settings.connectTimeoutSeconds() + 5L));
            threads.nudge(false);
            long handshakeDone = threads.receiverStartedAt();
            if (handshakeDone != 0L) {
                phases.markAt("TCP+TLS", handshakeDone);
                phases.mark("CONNECT");
            } else {
                phases.mark("TCP+TLS+CONNECT");
            }
            created.openWindow(settings.inflightWindow(),
                    connected.getResponseProperties() == null ? null : connected.getResponseProperties().getReceiveMaximum());
            String[] filters = topics.commandFilters();
            IMqttToken subscribed = client.subscribe(new MqttSubscription[] {new MqttSubscription(filters[0], 1),
                    new MqttSubscription(filters[1], 1), new MqttSubscription(topics.responses(), 1)});
            subscribed.waitForCompletion(TimeUnit.SECONDS.toMillis(settings.connectTimeoutSeconds()));
            phases.mark("SUBSCRIBE");
            int[] granted = subscribed.getReasonCodes();
            if (granted != null) {
                for (int code : granted) {
                    if (code >= 0x80) {
                        LOG.warn("Hub link: the hub refused a subscription for commands or responses (reason 0x{});"
                                + " commands or requests will not work", Integer.toHexString(code));
                    }
                }
            }
            client.publish(topics.status(), new MqttMessage(ONLINE, 1, true, null));
            return created;
        } catch (Exception e) {
            teardown(created, false, new PhaseTimer());
            throw e;
        }
    }

    /** How the link connects: TLS with TCP_NODELAY, no automatic reconnect, a clean session, its will. */
    static MqttConnectionOptions connectionOptions(LinkSettings settings, SSLContext context, Topics topics) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        // Nagle off: without it a CONNECT (or an answer behind a PUBACK) waited for a delayed ACK, up to 40 ms.
        options.setSocketFactory(new NoDelaySocketFactory(context.getSocketFactory()));
        options.setHttpsHostnameVerificationEnabled(true);
        options.setAutomaticReconnect(false);
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setKeepAliveInterval(settings.keepAliveSeconds());
        options.setConnectionTimeout(settings.connectTimeoutSeconds());
        options.setWill(topics.status(), new MqttMessage(OFFLINE, 1, true, null));
        return options;
    }

    /** Ends a connection: back to the spool whatever was in flight, then close Paho's threads. */
    private void teardown(HubSession ended, boolean graceful, PhaseTimer phases) {
        phases.mark("drain ended");
        try {
            if (graceful && ended.client.isConnected()) {
                // A clean DISCONNECT suppresses the will, so say offline ourselves first. The hub
                // acknowledges in order, so once it has acknowledged this status every telemetry
                // publish before it is acknowledged too: no quiesce time is needed in DISCONNECT
                // (and whatever is still unacknowledged goes back to the spool and is sent again).
                ended.client.publish(ended.topics.status(), new MqttMessage(OFFLINE, 1, true, null)).waitForCompletion(2_000);
                phases.mark("offline status");
                // Without Paho's own disconnect(), which sleeps 100 ms after handing DISCONNECT to
                // its background task (HubClient): the token completes when the DISCONNECT was
                // written, the socket closed and Paho's threads stopped (their stop polls nudged).
                ended.threads.nudge(true);
                ended.client.disconnectPromptly().waitForCompletion(3_000);
                phases.mark("DISCONNECT");
            }
        } catch (Exception e) {
            LOG.info("Hub link: clean disconnect failed ({}); closing", LinkErrors.describe(e));
        }
        int released = ended.releaseAll();
        if (released > 0) {
            LOG.info("Hub link: {} unacknowledged messages returned to the spool", released);
        }
        try {
            if (ended.client.isConnected()) {
                ended.client.disconnectForcibly(0, 1_000, false);
            }
        } catch (Exception e) {
            LOG.debug("Hub link: forced disconnect: {}", e.toString());
        }
        try {
            ended.client.close(true);
        } catch (Exception e) {
            LOG.debug("Hub link: close: {}", e.toString());
        }
        ended.threads.shutdown();
        phases.mark("close");
    }

    private void pause(long millis) {
        try {
            wakeups.poll(millis, TimeUnit.MILLISECONDS);
            wakeups.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    Duration holdBack() {
        return settings.holdBack();
    }
}
