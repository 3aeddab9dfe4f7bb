package dev.palisade.enroll.internal;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.HubReason;
import dev.palisade.api.enroll.ProofMode;
import dev.palisade.api.identity.Signer;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.protocol.enroll.Reason;

/**
 * The children and their states, and the decisions of one cycle: which children are new, which
 * changed certificate, which were removed, which are due for a proof round. Runs only on the
 * enrollment thread (no locks); readers use {@link #state}/{@link #states}, published as immutable
 * snapshots. The exchanges with the hub are in {@link HubRounds}.
 */
final class Enroller {

    private static final Logger LOG = LoggerFactory.getLogger(Enroller.class);

    /** What the component provides from the service registry; each may be absent (null). */
    interface Environment {
        HubLink link();

        Signer gatewaySigner();

        String gatewayId();

        Map<String, LeafDevice> devices();

        Signer custodialSigner(String child);

        /** @return the symbolic name of the bundle that registered the child's device, empty if unknown */
        String owner(String child);

        /** @return whether a bundle with this symbolic name is installed and ACTIVE */
        boolean bundleActive(String symbolicName);
    }

    /** Told of every published change, on the enrollment thread. */
    interface Changes {
        void changed(ChildState previous, ChildState current);
    }

    private final Settings settings;
    private final Environment env;
    private final StateFile file;
    private final Clock clock;
    private final Changes changes;
    private final Map<String, ChildRecord> records = new TreeMap<>();
    private final Map<String, Instant> goneSince = new TreeMap<>();
    /** Children whose device was seen since this enroller started (the others may have been removed while down). */
    private final Set<String> seenSinceStart = new HashSet<>();
    private final Instant started;
    private final Map<String, ChildState> published = new ConcurrentHashMap<>();
    private final HubRounds rounds;
    private final TelemetryGate gate;
    private volatile String problem = "";
    private boolean dirty;
    /** The hub and gateway ids the loaded states were reached with; null once checked against the current ones. */
    private StateFile.Saved loadedIds;
    /** Set when an unreadable state file could not be moved aside: saving would destroy it. */
    private boolean mustNotSave;

    Enroller(Settings settings, Environment env, StateFile file, Clock clock, Changes changes) {
        this.settings = settings;
        this.env = env;
        this.file = file;
        this.clock = clock;
        this.changes = changes;
        this.rounds = new HubRounds(settings, this);
        this.gate = new TelemetryGate(child -> env.devices().get(child));
        this.started = clock.instant();
    }

    /** Loads the saved states (a restart keeps enrolled children enrolled; telemetry flows at once). */
    void load() {
        try {
            StateFile.Saved saved = file.load();
            for (ChildRecord r : saved.children()) {
                records.put(r.id, r);
                publish(r);
            }
            loadedIds = saved;
            LOG.info("Enrollment: {} children loaded from {}", records.size(), file.path());
        } catch (IOException | RuntimeException e) {
            String aside;
            try {
                aside = " (kept aside as " + file.quarantine() + ")";
            } catch (IOException | RuntimeException moveFailed) {
                mustNotSave = true;
                aside = " (and it could not be moved aside: " + moveFailed.getMessage() + "; the states are not saved until"
                        + " it is moved away by hand)";
            }
            problem = "the saved states could not be read: " + e.getMessage() + aside + "; every child is enrolled again";
            LOG.error("Enrollment: {}", problem);
        }
    }

    List<ChildState> states() {
        return published.values().stream().sorted((a, b) -> a.childId().compareTo(b.childId())).toList();
    }

    Optional<ChildState> state(String child) {
        return Optional.ofNullable(published.get(child));
    }

    /**
     * Whether a child's telemetry may be sent: only once the hub accepted this gateway as its
     * parent, and only while the device presents the certificate it was enrolled with ({@link TelemetryGate}).
     */
    boolean enrolled(String child) {
        ChildState s = published.get(child);
        return s != null && s.status() == EnrollmentStatus.ENROLLED && gate.open(child);
    }

    /** @return a problem of the whole bundle (configuration, state file), empty if none */
    String problem() {
        return settings.hubId().isEmpty() ? "no hub.id configured in etc/" + EnrollmentComponent.PID
                + ".cfg: nothing is enrolled and every child's telemetry stays in the spool" : problem;
    }

    Settings settings() {
        return settings;
    }

    Environment env() {
        return env;
    }

    Instant now() {
        return clock.instant();
    }

    Clock clock() {
        return clock;
    }

    /** One cycle: notice devices, tell the hub about removed children, enroll what is due. */
    void cycle() throws InterruptedException {
        Instant now = clock.instant();
        checkSavedIds(now);
        reconcile(now);
        List<ChildRecord> forget = records.values().stream().filter(r -> r.hubMustForget).toList();
        if (!forget.isEmpty() && linkUp() == null) {
            rounds.forget(forget);
        }
        List<ChildRecord> due = records.values().stream()
                .filter(r -> !r.parked && !r.hubMustForget && env.devices().containsKey(r.id))
                .filter(r -> r.status == EnrollmentStatus.PENDING || r.status == EnrollmentStatus.REFUSED)
                .filter(r -> !r.due.isAfter(now)).toList();
        if (!due.isEmpty()) {
            String notReady = settings.hubId().isEmpty() ? problem() : linkUp();
            if (notReady == null && (env.gatewaySigner() == null || env.gatewayId() == null)) {
                notReady = "waiting for the gateway's identity (see 'identity' in palisade:status)";
            }
            if (notReady != null) {
                for (ChildRecord r : due) {
                    if (r.status == EnrollmentStatus.PENDING) {
                        r.detail = notReady;
                        publish(r);
                    }
                    r.due = now.plus(settings.retryMin());
                }
            } else {
                for (List<ChildRecord> batch : rounds.batches(due)) {
                    rounds.enroll(batch);
                }
            }
        }
        saveIfChanged();
    }

    /**
     * States reached with another hub, or as another gateway (a re-provisioned token, a moved
     * gateway), say nothing about this configuration: such children start over. Checked once the
     * gateway's id is known; a file from before ids were recorded is taken as this configuration's.
     */
    private void checkSavedIds(Instant now) {
        String gateway = env.gatewayId();
        if (loadedIds == null || gateway == null || settings.hubId().isEmpty()) {
            return;
        }
        StateFile.Saved saved = loadedIds;
        loadedIds = null;
        boolean sameHub = saved.hubId().isEmpty() || saved.hubId().equals(settings.hubId());
        boolean sameGateway = saved.gatewayId().isEmpty() || saved.gatewayId().equals(gateway);
        if (sameHub && sameGateway) {
            return;
        }
        String why = "the saved state was reached with hub '" + saved.hubId() + "' as gateway '" + saved.gatewayId()
                + "'; now hub '" + settings.hubId() + "' as gateway '" + gateway + "': enrolling again";
        LOG.warn("Enrollment: {}", why);
        for (ChildRecord r : records.values()) {
            r.hubMustForget = false; // the old hub is not ours to tell any more
            r.leafSha = "";
            if (r.status == EnrollmentStatus.ENROLLED || r.status == EnrollmentStatus.REFUSED) {
                r.become(EnrollmentStatus.PENDING, null, why, now);
                r.due = now;
            }
            publish(r);
        }
        dirty = true;
    }

    /** @return why the link cannot be used now, or null when it is up */
    String linkUp() {
        HubLink link = env.link();
        if (link == null) {
            return "waiting for the hub link (no upstream link is configured)";
        }
        LinkState state = link.state();
        return state == LinkState.UP ? null : "waiting for the hub link (" + state + ")";
    }

    private void reconcile(Instant now) {
        Map<String, LeafDevice> devices = env.devices();
        for (LeafDevice d : devices.values()) {
            goneSince.remove(d.id());
            seenSinceStart.add(d.id());
            ChildRecord r = records.get(d.id());
            ProofMode mode = modeOf(d);
            String owner = Objects.requireNonNullElse(env.owner(d.id()), "");
            if (r != null && !owner.isEmpty() && !owner.equals(r.owner)) {
                r.owner = owner;
                dirty = true;
            }
            if (r == null) {
                r = new ChildRecord(d.id(), mode, now);
                r.owner = owner;
                r.detail = "found on bus " + d.bus() + " (" + d.address() + ")";
                records.put(r.id, r);
                publish(r);
                LOG.info("Enrollment: child '{}' found on bus {}, mode {}", r.id, d.bus(), mode);
                continue;
            }
            if (r.status == EnrollmentStatus.UNENROLLED && !r.parked) {
                // The device is back after a removal: enroll it again.
                r.hubMustForget = false;
                r.mode = mode;
                r.become(EnrollmentStatus.PENDING, null, "the device is configured again", now);
                r.due = now;
                publish(r);
                continue;
            }
            if (r.status != EnrollmentStatus.ENROLLED) {
                if (r.mode != mode) {
                    r.mode = mode;
                    publish(r);
                }
                continue;
            }
            String leaf = leafSha(d);
            if (leaf != null && !leaf.equals(r.leafSha)) {
                r.mode = mode;
                r.become(EnrollmentStatus.PENDING, null, "the device's certificate changed: enrolling it again", now);
                r.due = now;
                r.failures = 0;
                publish(r);
                LOG.info("Enrollment: child '{}' presents a new certificate; enrolling it again", r.id);
            }
        }
        for (ChildRecord r : List.copyOf(records.values())) {
            if (devices.containsKey(r.id) || r.status == EnrollmentStatus.UNENROLLED) {
                continue;
            }
            // Only a removal seen as such (the device's service gone while its bus kept running)
            // unenrolls: a bus that stopped, or never came up, must not cost its children.
            Instant gone = goneSince.get(r.id);
            boolean removed = gone != null && !now.isBefore(gone.plus(settings.removalGrace()));
            String whileDown = gone == null ? removedWhileDown(r, now) : null;
            if (!removed && whileDown == null) {
                continue;
            }
            goneSince.remove(r.id);
            if (r.status == EnrollmentStatus.PENDING && r.lastAttempt == null) {
                records.remove(r.id); // never reached the hub: nothing to forget
                ChildState before = published.remove(r.id);
                gate.forget(r.id);
                dirty = true;
                LOG.info("Enrollment: child '{}' removed before it was enrolled", r.id);
                if (before != null) {
                    changes.changed(before, new ChildState(r.id, EnrollmentStatus.UNENROLLED, r.mode, null, "removed", now));
                }
                continue;
            }
            r.hubMustForget = true;
            r.become(EnrollmentStatus.UNENROLLED, null, whileDown != null ? whileDown
                    : "the device was removed; telling the hub to forget it", now);
            publish(r);
            LOG.info("Enrollment: child '{}' was removed from the gateway{}; unenrolling it", r.id,
                    whileDown != null ? " while it was down" : "");
        }
    }

    /**
     * A child saved from before this start whose device has not come back within the settle time,
     * while the bus bundle that registered it is active: it was removed from the configuration
     * while the gateway was down. A bus bundle not (yet) active, or a child whose owner is not
     * known (saved by an older version), removes nothing.
     *
     * @return the detail to show, or null if the child does not count as removed
     */
    private String removedWhileDown(ChildRecord r, Instant now) {
        if (settings.startSettle().isZero() || seenSinceStart.contains(r.id) || r.owner.isEmpty()
                || now.isBefore(started.plus(settings.startSettle())) || !env.bundleActive(r.owner)) {
            return null;
        }
        return "the device did not reappear within " + settings.startSettle().toSeconds() + " s of the gateway's start while "
                + r.owner + " runs (removed while the gateway was down); telling the hub to forget it";
    }

    /** Devices known when a device service went away (to start the removal grace now). */
    void deviceGone(String child, boolean busStopping) {
        if (busStopping) {
            return; // the bus bundle stops or is updated: its devices come back, their enrollment stays
        }
        goneSince.putIfAbsent(child, clock.instant());
    }

    /** The operator asks for an attempt now. */
    ChildRecord retryNow(String child) {
        ChildRecord r = known(child);
        r.parked = false;
        if (r.status == EnrollmentStatus.UNENROLLED) {
            r.hubMustForget = false;
            r.become(EnrollmentStatus.PENDING, null, "enrollment asked by the operator", clock.instant());
            publish(r);
        }
        r.due = Instant.EPOCH;
        r.failures = 0;
        return r;
    }

    /** The operator unenrolls a child: the gateway stops speaking for it at once. */
    ChildRecord park(String child) {
        ChildRecord r = known(child);
        r.parked = true;
        r.hubMustForget = true;
        r.become(EnrollmentStatus.UNENROLLED, null, "unenrolled by the operator; telling the hub", clock.instant());
        publish(r);
        return r;
    }

    private ChildRecord known(String child) {
        ChildRecord r = records.get(Objects.requireNonNull(child, "child"));
        if (r == null) {
            throw new IllegalArgumentException("no child '" + child + "' is known (palisade:children lists them)");
        }
        return r;
    }

    // --- outcomes, called by HubRounds ---

    void enrolledAtHub(ChildRecord r, String leafSha) {
        r.failures = 0;
        r.leafSha = leafSha;
        r.become(EnrollmentStatus.ENROLLED, null, "enrolled with hub " + settings.hubId(), clock.instant());
        publish(r);
        LOG.info("Enrollment: child '{}' enrolled ({})", r.id, r.mode);
    }

    void refusedByHub(ChildRecord r, Reason reason, String detail) {
        Instant now = clock.instant();
        String text = reason.name() + (detail == null || detail.isEmpty() ? "" : ": " + detail);
        if (Reasons.transient_(reason)) {
            // About the exchange or the hub's state, not the child: retry soon, still pending.
            failedLocally(r, "the hub answered " + text);
            if (ProofRound.retryAtOnce(reason) && r.failures <= 2) {
                r.due = now;
            }
            return;
        }
        r.failures++;
        r.become(EnrollmentStatus.REFUSED, Reasons.toApi(reason), text, now);
        r.due = now.plus(jitter(settings.refusedRetry()));
        publish(r);
        LOG.warn("Enrollment: the hub refused child '{}': {}", r.id, text);
    }

    void failedLocally(ChildRecord r, String why) {
        Instant now = clock.instant();
        r.failures++;
        Duration wait = backoff(r.failures);
        r.due = now.plus(wait);
        EnrollmentStatus status = r.status == EnrollmentStatus.UNENROLLED ? r.status : EnrollmentStatus.PENDING;
        r.become(status, null, why + "; next attempt in " + Math.max(1, wait.toSeconds()) + " s", now);
        publish(r);
        LOG.info("Enrollment: child '{}' not enrolled yet: {}", r.id, why);
    }

    void forgottenByHub(ChildRecord r, String detail) {
        r.hubMustForget = false;
        r.detail = detail;
        publish(r);
        LOG.info("Enrollment: the hub forgot this gateway as parent of '{}'", r.id);
    }

    void attempted(Collection<ChildRecord> batch) {
        Instant now = clock.instant();
        batch.forEach(r -> r.lastAttempt = now);
        dirty = true;
    }

    Instant lastAttempt(String child) {
        ChildRecord r = records.get(child);
        return r == null ? null : r.lastAttempt;
    }

    Duration backoff(int failures) {
        long min = settings.retryMin().toMillis();
        long max = settings.retryMax().toMillis();
        long exp = min << Math.min(20, Math.max(0, failures - 1));
        return jitter(Duration.ofMillis(Math.min(max, exp)));
    }

    /** Half to all of the delay, so that gateways restarted together do not ask together. */
    private static Duration jitter(Duration d) {
        long ms = d.toMillis();
        return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
    }

    void publish(ChildRecord r) {
        dirty = true;
        gate.update(r);
        ChildState now = r.state();
        ChildState before = published.put(r.id, now);
        if (!now.equals(before)) {
            changes.changed(before, now);
        }
    }

    void saveIfChanged() {
        if (!dirty || mustNotSave) {
            return;
        }
        String gateway = env.gatewayId();
        if (loadedIds != null && (gateway == null || settings.hubId().isEmpty())) {
            return; // not yet checked against the current ids: keep the file's until it is
        }
        try {
            file.save(settings.hubId(), gateway == null ? "" : gateway, records.values());
            dirty = false;
            if (problem.startsWith("cannot save")) {
                problem = "";
            }
        } catch (IOException e) {
            problem = "cannot save the children's states to " + file.path() + ": " + e.getMessage();
            LOG.error("Enrollment: {}", problem);
        }
    }

    static ProofMode modeOf(LeafDevice d) {
        if (d.signer().isPresent()) {
            return ProofMode.RELAY;
        }
        return d.identity().isPresent() ? ProofMode.ATTEST : ProofMode.CUSTODIAL;
    }

    /** @return the hex SHA-256 of the device's current leaf, or null when it has none right now */
    String leafSha(LeafDevice d) {
        X509Certificate leaf = null;
        Optional<PeerIdentity> peer = d.identity();
        if (peer.isPresent()) {
            leaf = peer.get().chain().get(0);
        } else {
            Signer custodial = env.custodialSigner(d.id());
            if (custodial != null) {
                leaf = custodial.chain().get(0);
            }
        }
        return leaf == null ? null : sha256(ChildProver.der(leaf));
    }

    static String sha256(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    List<ChildRecord> records() {
        return new ArrayList<>(records.values());
    }
}
