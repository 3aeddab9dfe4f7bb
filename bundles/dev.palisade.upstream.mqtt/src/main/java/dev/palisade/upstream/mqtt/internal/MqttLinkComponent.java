package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.enroll.Enrollment;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.upstream.CommandHandler;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkHandover;
import dev.palisade.api.upstream.LinkListener;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.api.upstream.UpstreamException.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub link: provides {@link HubLink} and the {@code upstream} health indicator, runs the
 * {@link LinkLoop} that drains the {@link Spool} to the hub, and dispatches commands to the
 * {@link CommandHandler} whiteboard.
 *
 * <p>Configuration is required: a gateway without {@code etc/dev.palisade.upstream.mqtt.cfg} has no
 * hub and no link (and {@code palisade:upstream} says so); a configured link that cannot work
 * (bad value, no identity) is DOWN in {@code palisade:status} with the reason.
 *
 * <p>Identity, spool and trust service are optional dynamic references so that the link can
 * say what it is missing (health DOWN "no gateway identity") instead of silently not existing,
 * and so that replacing the spool or identity bundle does not restart the link.
 */
@Component(name = MqttLinkComponent.PID, configurationPid = MqttLinkComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = {HubLink.class, HealthIndicator.class, LinkHandover.class, MqttLinkComponent.class})
@Designate(ocd = LinkConfig.class)
public final class MqttLinkComponent implements HubLink, HealthIndicator, LinkHandover {

    static final String PID = "dev.palisade.upstream.mqtt";
    static final String COMPONENT = "upstream";
    private static final Logger LOG = LoggerFactory.getLogger(MqttLinkComponent.class);
    static final String NO_IDENTITY = "no gateway identity (token absent, or not provisioned: see 'identity' in"
            + " palisade:status and palisade:identity show)";
    static final String IDENTITY_WITHDRAWN = "the gateway identity was withdrawn (token removed or identity stopped)";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, bind = "bindIdentity", unbind = "unbindIdentity")
    private volatile GatewayIdentity identity;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, bind = "bindSpool", unbind = "unbindSpool")
    private volatile Spool spool;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, bind = "bindTrust", unbind = "unbindTrust")
    private volatile TrustService trustService;

    /** When enrollment is configured, a child's messages stay in the spool until it is enrolled. */
    private volatile Enrollment enrollment;

    /** How long children stay held after the enrollment service went (an update or restart of its bundle). */
    static final Duration ENROLLMENT_RETURN_GRACE = Duration.ofSeconds(60);
    private volatile Instant enrollmentGoneAt;

    private final CommandRouter router = new CommandRouter();
    private final LinkListeners listeners = new LinkListeners();
    private final LinkStats stats = new LinkStats();
    private final LinkSettings settings;
    private final String configError;
    private final ScheduledExecutorService timer;
    private final LinkLoop loop;
    private final Thread thread;
    private volatile LinkState state = LinkState.DOWN;
    private volatile String detail = "starting";
    /** SCR's context of this component ({@code null} outside OSGi): to disable itself once it has yielded. */
    private final ComponentContext context;
    /** Set once this link has yielded to a successor: it reports that instead of a reconnect. */
    private volatile String successor;

    /** For tests outside OSGi: no other link beside this one. */
    MqttLinkComponent(LinkConfig config) {
        this(config, null, OlderLinks.NONE, "a link outside OSGi");
    }

    @Activate
    public MqttLinkComponent(LinkConfig config, ComponentContext context) {
        this(config, context, OlderLinks.inRegistry(context.getBundleContext()), describe(context.getBundleContext().getBundle()));
    }

    MqttLinkComponent(LinkConfig config, ComponentContext context, OlderLinks olderLinks, String self) {
        this.context = context;
        LinkSettings checked = null;
        String error = null;
        try {
            checked = LinkSettings.from(config);
        } catch (IllegalArgumentException e) {
            error = e.getMessage();
            LOG.warn("Hub link not started: {}", error);
        }
        this.settings = checked;
        this.configError = error;
        if (checked == null) {
            this.timer = null;
            this.loop = null;
            this.thread = null;
            detail = error;
            return;
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "palisade-upstream-timer"));
        this.loop = new LinkLoop(this, checked, stats, new SessionExchanges(router, timer, checked.commandTimeout(), stats),
                olderLinks, self);
        this.thread = new Thread(loop, "palisade-upstream-link");
    }

    /**
     * Starts the link's thread once SCR has bound every reference that is there (identity,
     * spool, trust service): started from the constructor, the first look found no identity yet
     * (field and method injection come after construction) and the link reported DOWN "no gateway
     * identity" and waited for the bind's wake-up, which cost a new link instance (a bundle
     * update) a spurious DOWN and a detour before its first connect.
     */
    @Activate
    synchronized void start() {
        if (thread != null && thread.getState() == Thread.State.NEW) {
            thread.start();
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            if (thread.isAlive()) {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            }
            if (thread.isAlive()) {
                LOG.warn("Hub link: the link thread did not stop within 15 s; interrupting it");
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            timer.shutdownNow();
        }
        listeners.close();
    }

    private static String describe(Bundle bundle) {
        return bundle.getSymbolicName() + " " + bundle.getVersion() + " (bundle " + bundle.getBundleId() + ")";
    }

    // --- LinkHandover ---

    /**
     * Ends this link's session for a successor (see {@link LinkHandover}), then disables this
     * component (on a thread of its own, which ends with it), so that its services (this one, {@link HubLink}, the {@code upstream} health
     * indicator) leave the registry and the successor's are the only ones; SCR does that
     * asynchronously, and the bundle's next start enables it again.
     */
    @Override
    public String yieldTo(String successor, Duration settle) throws InterruptedException {
        Objects.requireNonNull(successor, "successor");
        if (settle == null || settle.isNegative()) {
            throw new IllegalArgumentException("settle must not be negative, got " + settle);
        }
        if (loop == null) {
            return "not configured: no session";
        }
        this.successor = successor;
        try {
            return loop.handOver(successor, settle, Duration.ofSeconds(10));
        } finally {
            // Even when the wait failed: this link has stopped for good. Not on the successor's
            // thread: disabling deactivates this component, whose deactivate waits for the link
            // thread, which may still be closing Paho's client — time the successor would
            // otherwise spend before its CONNECT. The thread ends with the disable.
            if (context != null) {
                Thread disabler = new Thread(() -> context.disableComponent(PID), "palisade-upstream-handover");
                disabler.setDaemon(true);
                disabler.start();
            }
        }
    }

    // --- HubLink ---

    @Override
    public LinkState state() {
        return state;
    }

    @Override
    public CompletionStage<byte[]> request(String suffix, byte[] payload, Duration timeout) {
        Topics.checkSuffix(suffix);
        Objects.requireNonNull(payload, "payload");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, got " + timeout);
        }
        HubSession session = loop == null ? null : loop.session();
        if (session == null) {
            return CompletableFuture.failedFuture(new UpstreamException(Reason.LINK_DOWN,
                    "the link to the hub is " + state + ": " + detail));
        }
        return session.exchanges.request(session, suffix, payload, timeout);
    }

    // --- health ---

    @Override
    public HealthReport health() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("state", state.toString());
        if (settings != null) {
            details.put("hub", settings.uri());
        }
        HubSession session = loop == null ? null : loop.session();
        details.put("in-flight", String.valueOf(session == null ? 0 : session.inFlight()));
        details.put("window", String.valueOf(stats.window));
        details.put("acknowledged", String.valueOf(stats.acknowledged.get()));
        if (!stats.lastError.isEmpty()) {
            details.put("last error", stats.lastError + " (" + stats.lastErrorAt + ")");
        }
        String missing = configError != null ? configError : missingPrerequisite();
        Health health;
        String summary;
        if (successor != null) {
            health = Health.DOWN;
            summary = "handed over to " + successor + "; this link has stopped";
        } else if (missing != null) {
            health = Health.DOWN;
            summary = missing;
        } else if (state == LinkState.UP) {
            health = spool == null ? Health.DEGRADED : Health.UP;
            summary = spool == null ? "connected, but no spool is running: nothing is drained" : detail;
        } else {
            health = Health.DEGRADED;
            summary = state == LinkState.CONNECTING ? "connecting to " + settings.uri() : "reconnecting: " + detail;
        }
        return new HealthReport(COMPONENT, health, summary, details, Instant.now());
    }

    // --- for LinkLoop and the shell ---

    /** @return why the link cannot try to connect now, or {@code null} if it can */
    String missingPrerequisite() {
        if (configError != null) {
            return configError;
        }
        if (identity == null) {
            return NO_IDENTITY;
        }
        if (!settings.trustDomain().isEmpty() && trustService == null) {
            return "hub.trust.domain is '" + settings.trustDomain() + "' but no trust service is running";
        }
        return null;
    }

    void changeState(LinkState next, String why) {
        LinkState previous = state;
        String previousDetail = detail;
        state = next;
        detail = why;
        if (successor != null) {
            // Handed over: the successor reports the link's state from now on (listeners would
            // otherwise hear this link's DOWN after the successor's UP). Not a warning either.
            LOG.debug("Hub link {} (handed over): {}", next, why);
            return;
        }
        if (previous == next && (next != LinkState.DOWN || Objects.equals(previousDetail, why))) {
            return;
        }
        // One line per change for the field engineer; connection attempts themselves stay quiet.
        if (next == LinkState.UP) {
            LOG.info("Hub link UP: {}", why);
        } else if (next == LinkState.DOWN) {
            LOG.warn("Hub link DOWN: {}", why);
        } else {
            LOG.debug("Hub link {}: {}", next, why);
        }
        listeners.changed(next, why);
    }

    GatewayIdentity identity() {
        return identity;
    }

    Spool spool() {
        return spool;
    }

    /**
     * The spool gate for a key: the gateway's own messages (empty key) always go; a child's go
     * only once the enrollment service says the hub accepted this gateway as its parent. Without
     * an enrollment service (enrollment not configured) every child's go, and the hub decides;
     * but for {@link #ENROLLMENT_RETURN_GRACE} after the service went away (its bundle updated or
     * restarted) children stay held. Fast and non-blocking: the enrollment service answers from memory.
     */
    boolean mayDrain(String key) {
        if (key.isEmpty()) {
            return true;
        }
        Enrollment e = enrollment;
        if (e == null) {
            Instant gone = enrollmentGoneAt;
            return gone == null || Instant.now().isAfter(gone.plus(ENROLLMENT_RETURN_GRACE));
        }
        return e.child(key).map(s -> s.status() == EnrollmentStatus.ENROLLED).orElse(false);
    }

    /** Method injection (not a field): the grace must start before the service is seen missing. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindEnrollment")
    void bindEnrollment(Enrollment bound) {
        enrollment = bound;
    }

    void unbindEnrollment(Enrollment gone) {
        // Its bundle is probably being updated or restarted: hold children for a while rather
        // than sending messages the hub would refuse.
        enrollmentGoneAt = Instant.now();
        if (enrollment == gone) {
            enrollment = null;
        }
    }

    TrustService trustService() {
        return trustService;
    }

    LinkStats stats() {
        return stats;
    }

    LinkSettings settings() {
        return settings;
    }

    String detail() {
        return configError != null ? configError : detail;
    }

    int inFlight() {
        HubSession session = loop == null ? null : loop.session();
        return session == null ? 0 : session.inFlight();
    }

    // --- references ---

    void bindIdentity(GatewayIdentity bound) {
        identity = bound;
        wake();
    }

    void unbindIdentity(GatewayIdentity gone) {
        if (identity == gone) {
            identity = null;
        }
        // Not inside the check above: SCR also manages the field and may have cleared it already.
        // An open connection would survive (TLS signed only at its handshake), but the gateway no
        // longer has the identity it claims there: the token was removed or the identity bundle
        // stopped. End it cleanly so that state and health say so and the hub sees the gateway
        // offline; the loop reconnects when an identity is bound again.
        LinkLoop current = loop;
        if (current != null) {
            current.identityWithdrawn(gone);
        }
    }

    void bindSpool(Spool bound) {
        spool = bound;
        wake();
    }

    void unbindSpool(Spool gone) {
        if (spool == gone) {
            spool = null;
        }
    }

    void bindTrust(TrustService bound) {
        trustService = bound;
        wake();
    }

    void unbindTrust(TrustService gone) {
        if (trustService == gone) {
            trustService = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeCommandHandler")
    void addCommandHandler(CommandHandler handler, Map<String, Object> properties) {
        router.add(handler, properties);
    }

    void removeCommandHandler(CommandHandler handler) {
        router.remove(handler);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeLinkListener")
    void addLinkListener(LinkListener listener) {
        listeners.add(listener, state, detail);
    }

    void removeLinkListener(LinkListener listener) {
        listeners.remove(listener);
    }

    private void wake() {
        LinkLoop current = loop;
        if (current != null) {
            current.wake();
        }
    }

    /** Test hook: binds and activates the component without OSGi, in SCR's order. */
    void bindForTest(GatewayIdentity id, Spool s, TrustService t) {
        identity = id;
        spool = s;
        trustService = t;
        wake();
        start();
    }
}
