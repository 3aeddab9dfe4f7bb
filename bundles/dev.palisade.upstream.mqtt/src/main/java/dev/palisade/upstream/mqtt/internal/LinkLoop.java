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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
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
    /**
     * How long a link taking over lets the older one wait for the hub's acknowledgements of what it
     * has in flight: a round trip or two on a working link; past it, the rest is sent again.
     */
    static final Duration HAND_OVER_SETTLE = Duration.ofMillis(500);

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
    /** The links running beside this one that it takes the hub session over from before it connects. */
    private final OlderLinks olderLinks;
    /** Who this link is, for an older link's log when it yields to this one. */
    private final String self;
    /** Set when this link yields to a successor ({@link #handOver}): it stops for good. */
    private volatile String handedOverTo;
    private volatile Duration handOverSettle = Duration.ZERO;
    private volatile String handOverReport = "";
    /** Counted down when a yielding link has closed its connection, or when {@link #run} returns. */
    private final CountDownLatch released = new CountDownLatch(1);

    LinkLoop(MqttLinkComponent link, LinkSettings settings, LinkStats stats, SessionExchanges exchanges,
            OlderLinks olderLinks, String self) {
        this.link = link;
        this.settings = settings;
        this.stats = stats;
        this.exchanges = exchanges;
        this.olderLinks = olderLinks;
        this.self = self;
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
        if (running) {
            stopRequestedAt = System.nanoTime();
        }
        running = false;
        wake();
    }

    /**
     * Yields to a successor ({@link dev.palisade.api.upstream.LinkHandover}): stops draining,
     * waits up to {@code settle} for the hub's acknowledgements of what is in flight, DISCONNECT
     * without the offline status, and the loop ends for good. Returns when the loop has ended.
     *
     * @param ended how long to wait for the loop to end, beyond {@code settle}
     * @return what happened, for the successor's log
     * @throws IllegalStateException if the connection was not closed in time (the loop may be in
     *         the middle of a slow connect): the successor must not CONNECT yet
     */
    String handOver(String successor, Duration settle, Duration ended) throws InterruptedException {
        synchronized (this) {
            if (handedOverTo == null && running) {
                handOverSettle = settle;
                handedOverTo = successor;
                stop();
            }
        }
        if (!released.await(settle.plus(ended).toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the older link did not close its connection within "
                    + settle.plus(ended).toMillis() + " ms");
        }
        return handedOverTo == null ? "had stopped already" : handOverReport;
    }

    @Override
    public void run() {
        try {
            loop();
        } finally {
            released.countDown();
        }
    }

    private void loop() {
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
            String successor = handedOverTo;
            if (current != null) {
                current.end(successor != null ? "handed over to " + successor : reason);
                teardown(current, !running || current.endedByGateway(), successor != null, stopPhases);
            }
            if (successor != null) {
                LOG.info("Hub link: handed over to {}: stopped {} ms after its request ({})", successor,
                        millisSince(stopAt), stopPhases);
            } else if (!running && stopAt != 0L) {
                LOG.info("Hub link: stopped {} ms after the stop request ({})", millisSince(stopAt), stopPhases);
            }
            exchanges.failAll(running ? Reason.LINK_DOWN : Reason.CLOSED, "the link to the hub went down: " + reason);
            if (!running) {
                link.changeState(LinkState.DOWN, successor != null ? "handed over to " + successor : "stopped");
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
        // Taking over from an older link beside this one (a side-by-side replacement): connect and
        // make the handshake now, while it still drains; a failure here leaves it running.
        PreparedTls prepared = null;
        if (olderLinks.present()) {
            URI uri = URI.create(settings.uri());
            prepared = PreparedTls.open(context, host, uri.getPort() < 0 ? 8883 : uri.getPort(),
                    (int) TimeUnit.SECONDS.toMillis(settings.connectTimeoutSeconds()));
            phases.mark("TCP+TLS beside the older link");
        }

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
            if (prepared != null) {
                prepared.closeIfUnused();
            }
            throw e;
        }
        phases.mark("Paho client");
        HubSession created = new HubSession(client, threads, topics, stats, exchanges, heldKeys, settings.holdBack(),
                link::mayDrain);
        client.setCallback(created);
        MqttConnectionOptions options = prepared != null ? connectionOptions(settings, prepared.socketFactory(), topics)
                : connectionOptions(settings, context, topics);
        try {
            if (prepared != null) {
                threads.prestart();
                phases.mark("Paho threads");
                String yielded = olderLinks.yieldAll(self, HAND_OVER_SETTLE);
                phases.mark("older link's yield");
                if (!running) {
                    throw new InterruptedException("the link is stopping"); // no CONNECT for a link that goes
                }
                LOG.info("Hub link: took over from the older link ({})", yielded);
            }
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
            if (prepared != null) {
                prepared.closeIfUnused();
            }
            teardown(created, false, false, new PhaseTimer());
            throw e;
        }
    }

    /** How the link connects: TLS with TCP_NODELAY, no automatic reconnect, a clean session, its will. */
    static MqttConnectionOptions connectionOptions(LinkSettings settings, SSLContext context, Topics topics) {
        // Nagle off: without it a CONNECT (or an answer behind a PUBACK) waited for a delayed ACK, up to 40 ms.
        return connectionOptions(settings, new NoDelaySocketFactory(context.getSocketFactory()), topics);
    }

    /** The same with the sockets of {@code sockets}: a {@link PreparedTls} connection (TCP_NODELAY too). */
    static MqttConnectionOptions connectionOptions(LinkSettings settings, SSLSocketFactory sockets, Topics topics) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSocketFactory(sockets);
        options.setHttpsHostnameVerificationEnabled(true);
        options.setAutomaticReconnect(false);
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setKeepAliveInterval(settings.keepAliveSeconds());
        options.setConnectionTimeout(settings.connectTimeoutSeconds());
        options.setWill(topics.status(), new MqttMessage(OFFLINE, 1, true, null));
        return options;
    }

    /**
     * Ends a connection: back to the spool whatever was in flight, then close Paho's threads.
     *
     * @param graceful a clean DISCONNECT (the gateway ends it), not just a close
     * @param handingOver a successor connects right after: wait for in-flight acknowledgements
     *        instead of publishing the offline status
     */
    private void teardown(HubSession ended, boolean graceful, boolean handingOver, PhaseTimer phases) {
        phases.mark("drain ended");
        try {
            if (graceful && handingOver && ended.client.isConnected()) {
                // No offline status: the successor publishes online a few milliseconds later, and
                // the hub should not see the gateway flap. What the hub acknowledges now is not
                // sent again by the successor; the rest goes back to the spool below.
                boolean settled = ended.awaitSettled(handOverSettle);
                phases.mark(settled ? "settled" : "settle timed out");
                ended.threads.nudge(true);
                ended.client.disconnectPromptly().waitForCompletion(3_000);
                phases.mark("DISCONNECT");
            } else if (graceful && ended.client.isConnected()) {
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
        int returned = ended.releaseAll();
        if (returned > 0) {
            LOG.info("Hub link: {} unacknowledged messages returned to the spool", returned);
        }
        try {
            if (ended.client.isConnected()) {
                ended.client.disconnectForcibly(0, 1_000, false);
            }
        } catch (Exception e) {
            LOG.debug("Hub link: forced disconnect: {}", e.toString());
        }
        if (handingOver) {
            // The connection is closed (cleanly, or forcibly just above) and the spool has everything
            // back: the successor may CONNECT now; closing Paho's client and threads is this link's own business.
            handOverReport = "yielded in " + millisSince(stopRequestedAt) + " ms (" + phases + ")";
            released.countDown();
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
