package dev.palisade.enroll.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
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

import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.enroll.ChildState;
import dev.palisade.api.enroll.Enrollment;
import dev.palisade.api.enroll.EnrollmentListener;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.Signer;
import dev.palisade.api.upstream.HubLink;

/**
 * The {@link Enrollment} service: discovers children from the {@link LeafDevice} services and
 * enrolls them with the hub on its own thread ({@code palisade-enroll}), stopped on
 * deactivation. Active only when {@code etc/dev.palisade.enroll.cfg} exists (then the link holds
 * every child's telemetry until the child is enrolled); a configuration without {@code hub.id}
 * enrolls nothing and holds everything (fail closed).
 */
@Component(configurationPid = EnrollmentComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {Enrollment.class, HealthIndicator.class, EnrollmentComponent.class}, immediate = true)
@Designate(ocd = EnrollConfig.class)
public final class EnrollmentComponent implements Enrollment, HealthIndicator, Enroller.Environment {

    static final String PID = "dev.palisade.enroll";
    static final String STATE_FILE = "children.properties";
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentComponent.class);

    private final Map<String, LeafDevice> devices = new ConcurrentHashMap<>();
    private final Map<String, Bundle> deviceOwners = new ConcurrentHashMap<>();
    /** Custodial signers are looked up each time (the identity bundle caches them); misses are throttled. */
    private final CustodialSigners custodialSigners;
    private final List<EnrollmentListener> listeners = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HubLink link;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + Signer.OWNER + "=" + Signer.GATEWAY + ")")
    private volatile Signer gatewaySigner;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile GatewayIdentity identity;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CustodialKeys custodialKeys;

    private final Enroller enroller;
    private final ScheduledExecutorService thread;
    /** For the state of the bus bundles; null in unit tests. */
    private final BundleContext context;

    @Activate
    public EnrollmentComponent(EnrollConfig config, BundleContext context) {
        this(Settings.of(config), new StateFile(stateFile(context)), Clock.systemUTC(), context);
    }

    /**
     * {@code <palisade.data>/enroll/children.properties}; the bundle's own data area only when the
     * framework property is missing. Not the data area in the distribution: bin/palisade cleans the
     * framework's storage at each process start (conf/config.properties, {@code onFirstInit}), and
     * every enrolled child would be enrolled again after a restart of the gateway.
     */
    static Path stateFile(BundleContext context) {
        String data = context.getProperty("palisade.data");
        return data != null ? Path.of(data, "enroll", STATE_FILE) : context.getDataFile(STATE_FILE).toPath();
    }

    EnrollmentComponent(Settings settings, StateFile file, Clock clock, BundleContext context) {
        this.context = context;
        this.custodialSigners = new CustodialSigners(clock);
        this.enroller = new Enroller(settings, this, file, clock, this::notifyListeners);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "palisade-enroll");
            t.setDaemon(true);
            return t;
        });
        if (!enroller.problem().isEmpty()) {
            LOG.error("Enrollment: {}", enroller.problem());
        }
        thread.execute(enroller::load);
        thread.scheduleWithFixedDelay(this::cycle, 0, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Enrollment: the enrollment thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cycle() {
        try {
            enroller.cycle();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping
        } catch (RuntimeException e) {
            LOG.error("Enrollment: a cycle failed; the next one starts in a second", e);
        }
    }

    // --- Enrollment ---

    @Override
    public List<ChildState> children() {
        return enroller.states();
    }

    @Override
    public Optional<ChildState> child(String childId) {
        return enroller.state(childId);
    }

    /** @return whether the child's messages may leave the spool (the link's gate) */
    public boolean mayPublishFor(String childId) {
        return enroller.enrolled(childId);
    }

    @Override
    public CompletionStage<ChildState> enroll(String childId) {
        return onThread(() -> {
            enroller.retryNow(childId);
            cycle();
            return enroller.state(childId).orElseThrow();
        });
    }

    @Override
    public CompletionStage<ChildState> unenroll(String childId) {
        return onThread(() -> {
            enroller.park(childId);
            enroller.saveIfChanged();
            return enroller.state(childId).orElseThrow();
        });
    }

    /** @return when the child's last proof round started, or null */
    Instant lastAttempt(String childId) {
        return enroller.lastAttempt(childId);
    }

    Settings settings() {
        return enroller.settings();
    }

    private <T> CompletionStage<T> onThread(Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    result.complete(work.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the enrollment bundle is stopping"));
        }
        return result;
    }

    // --- HealthIndicator ---

    @Override
    public HealthReport health() {
        List<ChildState> all = enroller.states();
        long enrolled = all.stream().filter(s -> s.status() == EnrollmentStatus.ENROLLED).count();
        long pending = all.stream().filter(s -> s.status() == EnrollmentStatus.PENDING).count();
        long refused = all.stream().filter(s -> s.status() == EnrollmentStatus.REFUSED).count();
        String counts = all.size() + " children: " + enrolled + " enrolled, " + pending + " pending, " + refused + " refused";
        String problem = enroller.problem();
        Health health = !problem.isEmpty() ? Health.DOWN : pending + refused > 0 ? Health.DEGRADED : Health.UP;
        String summary = problem.isEmpty() ? counts + (pending + refused > 0 ? " (palisade:children shows why)" : "")
                : problem + "; " + counts;
        return new HealthReport("enrollment", health, summary, Map.of("hub", enroller.settings().hubId()), Instant.now());
    }

    // --- Environment (read on the enrollment thread) ---

    @Override
    public HubLink link() {
        return link;
    }

    @Override
    public Signer gatewaySigner() {
        return gatewaySigner;
    }

    @Override
    public String gatewayId() {
        GatewayIdentity id = identity;
        return id == null ? null : id.gatewayId();
    }

    @Override
    public Map<String, LeafDevice> devices() {
        return devices;
    }

    /**
     * The child's key on the token once its certificate is installed. Not cached here (a cached
     * signer went stale at a token loss); a child without one is looked up at most every
     * {@link CustodialSigners#RECHECK} ({@code palisade:children install} makes it known at once).
     */
    @Override
    public Signer custodialSigner(String child) {
        return custodialSigners.lookup(custodialKeys, child);
    }

    @Override
    public String owner(String child) {
        Bundle owner = deviceOwners.get(child);
        return owner == null || owner.getSymbolicName() == null ? "" : owner.getSymbolicName();
    }

    @Override
    public boolean bundleActive(String symbolicName) {
        if (context == null) {
            return false;
        }
        try {
            for (Bundle b : context.getBundles()) {
                if (symbolicName.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                    return true;
                }
            }
        } catch (IllegalStateException e) {
            // our context is no longer valid: we are stopping
        }
        return false;
    }

    /** @return the identity bundle's custodial keys, or null when no keystore is configured */
    CustodialKeys custodialKeys() {
        return custodialKeys;
    }

    /** After an install: look the child's key up again at the next cycle, and enroll it now. */
    CompletionStage<ChildState> installed(String child) {
        custodialSigners.forget(child);
        return enroll(child);
    }

    // --- references ---

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeDevice", updated = "updatedDevice")
    void addDevice(ServiceReference<LeafDevice> ref, LeafDevice device) {
        deviceOwners.put(device.id(), ref.getBundle());
        devices.put(device.id(), device);
    }

    void updatedDevice(ServiceReference<LeafDevice> ref, LeafDevice device) {
        devices.put(device.id(), device); // the next cycle notices a changed certificate or mode
    }

    void removeDevice(ServiceReference<LeafDevice> ref, LeafDevice device) {
        String id = device.id();
        if (!devices.remove(id, device)) {
            return;
        }
        Bundle owner = deviceOwners.remove(id);
        // Removed from the configuration while its bus keeps running, or its bus is stopping
        // (an update, a shutdown): only the first unenrolls, after the removal grace.
        boolean busStopping = owner == null || owner.getState() != Bundle.ACTIVE;
        try {
            thread.execute(() -> enroller.deviceGone(id, busStopping));
        } catch (RejectedExecutionException e) {
            // stopping ourselves: nothing is unenrolled
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            unbind = "removeListener")
    void addListener(EnrollmentListener listener) {
        // First a call for every known child, then changes as they come: all on our thread, in order.
        try {
            thread.execute(() -> {
                listeners.add(listener);
                for (ChildState s : enroller.states()) {
                    call(listener, null, s);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    void removeListener(EnrollmentListener listener) {
        listeners.remove(listener);
    }

    private void notifyListeners(ChildState previous, ChildState current) {
        for (EnrollmentListener l : listeners) {
            call(l, previous, current);
        }
    }

    private static void call(EnrollmentListener l, ChildState previous, ChildState current) {
        try {
            l.changed(previous, current);
        } catch (RuntimeException e) {
            LOG.warn("Enrollment: listener {} failed on child '{}'", l, current.childId(), e);
        }
    }
}
