package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceListener;
import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.trust.TrustService;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Modbus bus: owns the poll scheduler and the serial lines, runs the devices the device
 * components hand it, registers each as a {@link LeafDevice} service and tells the
 * {@link DeviceListener}s about readings and state changes. Its health report is
 * {@code modbus} in {@code palisade:status}.
 *
 * <p>Devices on one serial port share one {@link SerialLine} (one request at a time on the
 * wire); TCP and TLS devices have a connection each.
 */
@Component(service = {ModbusBus.class, HealthIndicator.class}, immediate = true)
public final class ModbusBus implements DeviceSink, HealthIndicator {

    private static final Logger LOG = LoggerFactory.getLogger(ModbusBus.class);

    private final BundleContext context;
    private final Clock clock = Clock.systemUTC();
    private final ScheduledThreadPoolExecutor scheduler;
    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Entry> byPid = new ConcurrentHashMap<>();
    private final Map<String, SharedLine> lines = new LinkedHashMap<>();
    private final SerialIo.Opener serialOpener;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile GatewayIdentity identity;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrustService trust;

    private static final class Entry {
        final String pid;
        final DeviceHandle handle;
        volatile ModbusDevice device;
        ServiceRegistration<LeafDevice> registration;

        Entry(String pid, DeviceHandle handle) {
            this.pid = pid;
            this.handle = handle;
        }
    }

    private static final class SharedLine {
        final SerialLine line;
        int users;

        SharedLine(SerialLine line) {
            this.line = line;
        }
    }

    /** @param context where device services are registered */
    @Activate
    public ModbusBus(BundleContext context) {
        this(context, JSerialCommIo::open);
    }

    ModbusBus(BundleContext context, SerialIo.Opener serialOpener) {
        this.context = context;
        this.serialOpener = serialOpener;
        // Polls only queue requests and decode answers; two threads keep a slow listener from
        // holding every device up. Timeouts run here too.
        this.scheduler = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "palisade-modbus-poller");
            thread.setDaemon(true);
            return thread;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(DeviceListener listener) {
        listeners.add(listener);
    }

    void removeListener(DeviceListener listener) {
        listeners.remove(listener);
    }

    /**
     * Starts a device, or replaces the one this configuration ran before; the LeafDevice service
     * stays registered across a change and is modified.
     *
     * @throws IllegalArgumentException if another configuration already uses the id, or the
     *         serial port is set up differently by another device
     */
    synchronized void put(String pid, DeviceSettings settings) {
        for (Entry other : byPid.values()) {
            if (!other.pid.equals(pid) && other.device.id().equals(settings.id())) {
                throw new IllegalArgumentException("Modbus device '" + settings.id() + "' (" + pid
                        + "): the id is already used by configuration " + other.pid);
            }
        }
        Entry entry = byPid.get(pid);
        if (entry != null) {
            stopDevice(entry.device);
        }
        ModbusDevice device;
        try {
            device = newDevice(settings);
        } catch (IllegalArgumentException e) {
            if (entry != null) {
                byPid.remove(pid);
                unregister(entry, true);
            }
            throw e;
        }
        if (entry == null || !entry.device.id().equals(settings.id())) {
            if (entry != null) {
                unregister(entry, true);
            }
            entry = new Entry(pid, new DeviceHandle());
            entry.device = device;
            entry.handle.delegate(device);
            entry.registration = context.registerService(LeafDevice.class, entry.handle, properties(settings));
            byPid.put(pid, entry);
            LOG.info("Modbus device {} added at {}: {} channel(s) in {} request(s) per poll", settings.id(),
                    settings.address(), settings.channels().size(), settings.plan().size());
        } else {
            entry.device = device;
            entry.handle.delegate(device);
            entry.registration.setProperties(properties(settings));
            LOG.info("Modbus device {} reconfigured: {}, {} channel(s) in {} request(s) per poll", settings.id(),
                    settings.address(), settings.channels().size(), settings.plan().size());
        }
        device.start();
    }

    /**
     * Stops a device.
     *
     * @param deleted the configuration was deleted (the device is gone for good, listeners are
     *        told); false when the bundle merely stops
     */
    synchronized void remove(String pid, boolean deleted) {
        Entry entry = byPid.remove(pid);
        if (entry == null) {
            return;
        }
        stopDevice(entry.device);
        unregister(entry, deleted);
        if (deleted) {
            LOG.info("Modbus device {} removed", entry.device.id());
        }
    }

    private void unregister(Entry entry, boolean tellListeners) {
        try {
            entry.registration.unregister();
        } catch (IllegalStateException e) {
            LOG.debug("device service already unregistered", e);
        }
        if (tellListeners) {
            for (DeviceListener listener : listeners) {
                try {
                    listener.removed(entry.device.id());
                } catch (RuntimeException e) {
                    LOG.warn("device listener {} failed on removal of {}", listener, entry.device.id(), e);
                }
            }
        }
    }

    private ModbusDevice newDevice(DeviceSettings settings) {
        DeviceHolder holder = new DeviceHolder();
        Transport transport = switch (settings.transport()) {
            case "rtu" -> lineFor(settings);
            case "tls" -> new TcpTransport(settings.id(), settings.host(), settings.port(),
                    new TlsConnector(() -> identity, () -> trust, settings.trustDomain(), settings.tlsIdentity(), peer -> {
                        ModbusDevice device = holder.device;
                        device.identified(peer);
                        applyRole(device, settings);
                    }, settings.tlsReverify(), System::nanoTime), settings.connectTimeoutMillis(), settings.timeout().toMillis(), settings.maxInFlight(), scheduler);
            default -> new TcpTransport(settings.id(), settings.host(), settings.port(), Connector.PLAIN,
                    settings.connectTimeoutMillis(), settings.timeout().toMillis(), settings.maxInFlight(), scheduler);
        };
        ModbusDevice device = new ModbusDevice(settings, transport, scheduler, this, clock);
        holder.device = device;
        return device;
    }

    private static final class DeviceHolder {
        volatile ModbusDevice device;
    }

    /** Restricts what the gateway sends to the function codes its certificate's role allows. */
    private void applyRole(ModbusDevice device, DeviceSettings settings) {
        GatewayIdentity gateway = identity;
        if (gateway == null) {
            return;
        }
        X509Certificate leaf = gateway.chain().get(0);
        Optional<String> role;
        try {
            role = RoleExtension.role(leaf);
        } catch (IllegalArgumentException e) {
            device.restrictFunctions(Set.of(1, 2, 3, 4), "the gateway certificate's " + e.getMessage() + "; reads only");
            return;
        }
        if (role.isEmpty()) {
            device.restrictFunctions(null, "");
            return;
        }
        Set<Integer> allowed = settings.roleFunctions().get(role.get());
        if (allowed == null) {
            device.restrictFunctions(Set.of(1, 2, 3, 4), "the gateway's role '" + role.get()
                    + "' is not listed in tls.role.functions; reads only");
        } else {
            device.restrictFunctions(allowed, "the gateway's role '" + role.get() + "' allows functions "
                    + (allowed.isEmpty() ? "all" : allowed));
        }
    }

    /** Takes the device's serial line, opening it for the first device on that port. */
    private Transport lineFor(DeviceSettings settings) {
        SerialSettings wanted = settings.serial();
        SharedLine shared = lines.get(wanted.port());
        if (shared != null && !shared.line.settings().equals(wanted)) {
            throw new IllegalArgumentException("Modbus device '" + settings.id() + "': serial port " + wanted.port()
                    + " is already used as " + shared.line.settings() + " by other devices, not " + wanted);
        }
        if (shared == null) {
            shared = new SharedLine(new SerialLine(wanted, serialOpener, settings.timeout().toMillis()));
            lines.put(wanted.port(), shared);
        }
        shared.users++;
        SharedLine line = shared;
        return new Transport() {
            private boolean closed;

            @Override
            public java.util.concurrent.CompletableFuture<byte[]> request(int unit, byte[] pdu) {
                return line.line.request(unit, pdu);
            }

            @Override
            public void close() {
                synchronized (ModbusBus.this) {
                    if (!closed) {
                        closed = true;
                        if (--line.users == 0) {
                            lines.remove(wanted.port());
                            line.line.close();
                        }
                    }
                }
            }
        };
    }

    private void stopDevice(ModbusDevice device) {
        device.stop();
    }

    private static Dictionary<String, Object> properties(DeviceSettings settings) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(LeafDevice.ID, settings.id());
        properties.put(LeafDevice.BUS, ModbusDevice.BUS);
        properties.put("palisade.device.address", settings.address());
        return properties;
    }

    /** @return the devices, by id */
    List<ModbusDevice> devices() {
        return byPid.values().stream().map(e -> e.device)
                .sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }

    Optional<ModbusDevice> device(String id) {
        return byPid.values().stream().map(e -> e.device).filter(d -> d.id().equals(id)).findFirst();
    }

    @Override
    public void readings(ModbusDevice device, List<Reading> readings) {
        for (DeviceListener listener : listeners) {
            try {
                listener.readings(device.id(), readings);
            } catch (RuntimeException e) {
                LOG.warn("device listener {} failed on readings of {}: {}", listener, device.id(), e.toString());
            }
        }
    }

    @Override
    public void statusChanged(ModbusDevice device, DeviceStatus previous, DeviceStatus current) {
        for (DeviceListener listener : listeners) {
            try {
                listener.statusChanged(device.id(), previous, current);
            } catch (RuntimeException e) {
                LOG.warn("device listener {} failed on a status change of {}: {}", listener, device.id(), e.toString());
            }
        }
    }

    @Override
    public HealthReport health() {
        Map<String, String> details = new LinkedHashMap<>();
        Health health = Health.UP;
        String summary = null;
        List<ModbusDevice> all = devices();
        int online = 0;
        for (ModbusDevice device : all) {
            DeviceStatus status = device.status();
            details.put(device.id(), status.state() + (status.reason().isEmpty() ? "" : ": " + status.reason()));
            if (status.state() == DeviceState.ONLINE) {
                online++;
            } else if (health == Health.UP) {
                health = Health.DEGRADED;
                summary = "device " + device.id() + " is " + status.state() + ": " + status.reason();
            }
        }
        if (summary == null) {
            summary = all.isEmpty() ? "no Modbus devices configured" : online + " device(s) online";
        } else {
            summary = online + " of " + all.size() + " device(s) online; " + summary;
        }
        return new HealthReport("modbus", health, summary, details, Instant.now());
    }

    @Deactivate
    synchronized void deactivate() {
        for (String pid : List.copyOf(byPid.keySet())) {
            remove(pid, false);
        }
        for (SharedLine line : lines.values()) {
            line.line.close();
        }
        lines.clear();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
