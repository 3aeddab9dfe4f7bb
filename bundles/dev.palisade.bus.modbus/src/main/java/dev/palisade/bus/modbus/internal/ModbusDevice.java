package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceException.Reason;
import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.bus.Reading.Quality;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Modbus device: polls its merged read plan, keeps its state and last readings, and reads
 * and writes on demand.
 *
 * <p>State: ONLINE when every request of a poll was answered; DEGRADED when some failed, or
 * when nothing answered fewer than {@code offline.after} polls in a row; OFFLINE after that,
 * polled at a doubling interval up to {@code backoff.max.ms}; REFUSED when its TLS certificate
 * was rejected. A poll never overlaps the previous one; the next is scheduled when it finishes.
 */
final class ModbusDevice implements LeafDevice {

    static final String BUS = "modbus";

    private static final Logger LOG = LoggerFactory.getLogger(ModbusDevice.class);

    private final DeviceSettings settings;
    private final Transport transport;
    private final ScheduledExecutorService scheduler;
    private final DeviceSink sink;
    private final Clock clock;
    private final List<Channel> channels;
    private final Map<String, ChannelSpec> byName = new LinkedHashMap<>();
    private final Map<String, Reading> latest = new LinkedHashMap<>();
    private final Map<String, Integer> order = new java.util.HashMap<>();

    private volatile DeviceStatus status;
    private volatile PeerIdentity identity;
    /** Function codes the gateway may send (its role under Modbus/TCP Security), or null for all. */
    private volatile Set<Integer> allowedFunctions;
    private volatile String allowedReason = "";
    private volatile boolean stopped;
    /** The thread inside {@link #poll()} while it sends, else null. */
    private volatile Thread pollingThread;
    private volatile String lastError = "";
    private ScheduledFuture<?> next;
    private int failuresInARow;

    final AtomicLong polls = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong failedRequests = new AtomicLong();
    final AtomicLong readingsCount = new AtomicLong();

    ModbusDevice(DeviceSettings settings, Transport transport, ScheduledExecutorService scheduler, DeviceSink sink,
            Clock clock) {
        this.settings = settings;
        this.transport = transport;
        this.scheduler = scheduler;
        this.sink = sink;
        this.clock = clock;
        List<Channel> list = new ArrayList<>();
        for (ChannelSpec spec : settings.channels()) {
            order.put(spec.name(), byName.size());
            byName.put(spec.name(), spec);
            list.add(spec.toChannel());
        }
        this.channels = List.copyOf(list);
        this.status = new DeviceStatus(DeviceState.OFFLINE, "not yet contacted", clock.instant());
    }

    DeviceSettings settings() {
        return settings;
    }

    void start() {
        schedule(0);
    }

    /** Stops polling and closes the transport; pending operations fail with CLOSED. */
    void stop() {
        stopped = true;
        synchronized (this) {
            if (next != null) {
                next.cancel(false);
            }
        }
        transport.close();
    }

    void restrictFunctions(Set<Integer> allowed, String reason) {
        this.allowedFunctions = allowed;
        this.allowedReason = reason;
    }

    void identified(PeerIdentity peer) {
        this.identity = peer;
    }

    /** The device's TLS certificate was refused: no polling until the configuration or domain changes. */
    void refused(String reason) {
        identity = null; // what it proved before no longer holds; the next accepted handshake sets it again
        setStatus(DeviceState.REFUSED, reason);
    }

    String lastError() {
        return lastError;
    }

    private synchronized void schedule(long delayMillis) {
        if (!stopped) {
            next = scheduler.schedule(this::poll, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        if (stopped) {
            return;
        }
        pollingThread = Thread.currentThread();
        try {
            startPoll();
        } finally {
            pollingThread = null;
        }
    }

    private void startPoll() {
        long started = System.nanoTime();
        polls.incrementAndGet();
        List<ReadPlan.Block> plan = settings.plan();
        List<CompletableFuture<byte[]>> answers = new ArrayList<>(plan.size());
        for (ReadPlan.Block block : plan) {
            requests.incrementAndGet();
            answers.add(transport.request(settings.unitId(), block.request()));
        }
        CompletableFuture.allOf(answers.toArray(new CompletableFuture[0])).handle((ignored, failure) -> {
            if (stopped) {
                return null; // failed with CLOSED because the device is stopping: not a state change
            }
            try {
                polled(plan, answers);
            } catch (RuntimeException e) {
                LOG.error("Modbus device {}: failed to process a poll", settings.id(), e);
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            long delay = nextDelay(elapsed);
            if (delay == 0 && pollingThread != Thread.currentThread()) {
                // Due now (the poll took longer than the interval): poll on this thread, which
                // saves a hand-off to the scheduler. Not when the answers completed inside
                // poll() itself (a closed transport fails at once), which would recurse.
                poll();
            } else {
                schedule(delay);
            }
            return null;
        });
    }

    private void polled(List<ReadPlan.Block> plan, List<CompletableFuture<byte[]>> answers) {
        List<Reading> readings = new ArrayList<>();
        int failed = 0;
        boolean answered = false;
        ModbusException first = null;
        java.time.Instant now = clock.instant();
        for (int i = 0; i < plan.size(); i++) {
            ReadPlan.Block block = plan.get(i);
            byte[] request = block.request();
            try {
                byte[] data = Pdu.dataOf(request, answers.get(i).join());
                answered = true;
                for (ChannelSpec channel : block.channels()) {
                    readings.add(new Reading(settings.id(), channel.name(), ValueCodec.decode(channel, data, block.start()),
                            Quality.GOOD, now));
                }
            } catch (CompletionException | ModbusException e) {
                ModbusException cause = unwrap(e);
                failed++;
                failedRequests.incrementAndGet();
                if (first == null) {
                    first = cause;
                }
                if (cause.reason == Reason.DEVICE_ERROR) {
                    answered = true; // an exception response is an answer: the device is there
                    for (ChannelSpec channel : block.channels()) {
                        readings.add(new Reading(settings.id(), channel.name(), null, Quality.BAD, now));
                    }
                }
                if (cause.refusal != null) {
                    refused(cause.refusal);
                    lastError = cause.getMessage();
                    return;
                }
            }
        }
        // Readings in channel order, as the API promises (blocks are in address order).
        readings.sort(java.util.Comparator.comparingInt(r -> indexOf(r.channel())));
        if (!readings.isEmpty()) {
            remember(readings);
            sink.readings(this, List.copyOf(readings));
        }
        if (failed == 0) {
            failuresInARow = 0;
            setStatus(DeviceState.ONLINE, "");
            return;
        }
        lastError = first.getMessage();
        String request = plan.get(firstFailedIndex(answers)).toString();
        if (answered) {
            failuresInARow = 0;
            setStatus(DeviceState.DEGRADED, failed + " of " + plan.size() + " request(s) failed, first " + request + ": "
                    + first.getMessage());
            return;
        }
        failuresInARow++;
        if (failuresInARow >= settings.offlineAfter()) {
            setStatus(DeviceState.OFFLINE, "no usable answer from " + settings.address() + " for " + failuresInARow
                    + " poll(s): " + first.getMessage());
        } else {
            setStatus(DeviceState.DEGRADED, "no usable answer (" + failuresInARow + " of " + settings.offlineAfter()
                    + " polls before offline): " + first.getMessage());
        }
    }

    private int firstFailedIndex(List<CompletableFuture<byte[]>> answers) {
        for (int i = 0; i < answers.size(); i++) {
            if (answers.get(i).isCompletedExceptionally()) {
                return i;
            }
        }
        return 0;
    }

    private long nextDelay(long elapsedMillis) {
        long interval = settings.pollInterval().toMillis();
        DeviceState state = status.state();
        if (state == DeviceState.REFUSED) {
            return settings.backoffMax().toMillis(); // retried rarely: a new certificate or domain may fix it
        }
        if (state == DeviceState.OFFLINE && failuresInARow >= settings.offlineAfter()) {
            int doublings = Math.min(20, Math.max(0, failuresInARow - settings.offlineAfter() + 1));
            long backoff = Math.min(settings.backoffMax().toMillis(), interval << doublings);
            return Math.max(interval, backoff);
        }
        return Math.max(0, interval - elapsedMillis);
    }

    private int indexOf(String channel) {
        return order.getOrDefault(channel, Integer.MAX_VALUE);
    }

    private void remember(List<Reading> readings) {
        readingsCount.addAndGet(readings.size());
        synchronized (latest) {
            for (Reading reading : readings) {
                latest.put(reading.channel(), reading);
            }
        }
    }

    private void setStatus(DeviceState state, String reason) {
        DeviceStatus previous;
        DeviceStatus current;
        synchronized (this) {
            previous = status;
            if (previous.state() == state && previous.reason().equals(reason)) {
                return;
            }
            if (previous.state() == state && state != DeviceState.REFUSED) {
                // Same state, new wording (a different error): keep "since", don't spam listeners.
                status = new DeviceStatus(state, reason, previous.since());
                return;
            }
            current = new DeviceStatus(state, reason, clock.instant());
            status = current;
        }
        if (state == DeviceState.ONLINE) {
            LOG.info("Modbus device {} at {} is ONLINE", settings.id(), settings.address());
        } else {
            LOG.warn("Modbus device {} is {}: {}", settings.id(), state, reason);
        }
        sink.statusChanged(this, previous, current);
    }

    private static ModbusException unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ModbusException m) {
            return m;
        }
        return ModbusException.transport(String.valueOf(cause), cause);
    }

    // ---- LeafDevice ----

    @Override
    public String id() {
        return settings.id();
    }

    @Override
    public String bus() {
        return BUS;
    }

    @Override
    public String address() {
        return settings.address();
    }

    @Override
    public List<Channel> channels() {
        return channels;
    }

    @Override
    public DeviceStatus status() {
        return status;
    }

    @Override
    public Optional<PeerIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    @Override
    public Optional<ChildSigner> signer() {
        return Optional.empty(); // Modbus devices cannot sign through the bus
    }

    @Override
    public List<Reading> latest() {
        synchronized (latest) {
            return List.copyOf(latest.values());
        }
    }

    @Override
    public CompletionStage<Reading> read(String channel) {
        ChannelSpec spec = byName.get(channel);
        if (spec == null) {
            return failed(new DeviceException(Reason.UNKNOWN_CHANNEL, settings.id() + " has no channel '" + channel
                    + "'; it has " + byName.keySet()));
        }
        return readChannel(spec);
    }

    private CompletionStage<Reading> readChannel(ChannelSpec spec) {
        DeviceException refusal = usable();
        if (refusal != null) {
            return failed(refusal);
        }
        byte[] request = Pdu.read(spec.kind(), spec.address(), spec.count());
        requests.incrementAndGet();
        return transport.request(settings.unitId(), request).handle((response, failure) -> {
            try {
                if (failure != null) {
                    throw unwrap(failure);
                }
                byte[] data = Pdu.dataOf(request, response);
                Reading reading = new Reading(settings.id(), spec.name(), ValueCodec.decode(spec, data, spec.address()),
                        Quality.GOOD, clock.instant());
                remember(List.of(reading));
                return reading;
            } catch (ModbusException e) {
                failedRequests.incrementAndGet();
                throw new CompletionException(e.toDeviceException(settings.id()));
            }
        });
    }

    @Override
    public CompletionStage<Reading> write(String channel, Object value) {
        ChannelSpec spec = byName.get(channel);
        if (spec == null) {
            return failed(new DeviceException(Reason.UNKNOWN_CHANNEL, settings.id() + " has no channel '" + channel
                    + "'; it has " + byName.keySet()));
        }
        if (!spec.writable()) {
            return failed(new DeviceException(Reason.NOT_WRITABLE, settings.id() + "/" + channel
                    + " is not writable (add 'writable' to the channel in the device's configuration)"));
        }
        byte[] request;
        try {
            byte[] encoded = ValueCodec.encode(settings.id(), spec, value);
            if (spec.kind() == RegisterKind.COIL) {
                request = Pdu.writeSingleCoil(spec.address(), encoded[0] != 0);
            } else if (encoded.length == 2) {
                request = Pdu.writeSingleRegister(spec.address(), encoded);
            } else {
                request = Pdu.writeMultipleRegisters(spec.address(), encoded);
            }
        } catch (DeviceException e) {
            return failed(e);
        }
        Set<Integer> allowed = allowedFunctions;
        int function = request[0];
        if (allowed != null && !allowed.isEmpty() && !allowed.contains(function)) {
            return failed(new DeviceException(Reason.NOT_WRITABLE, settings.id() + "/" + channel + ": function " + function
                    + " is not allowed: " + allowedReason));
        }
        DeviceException refusal = usable();
        if (refusal != null) {
            return failed(refusal);
        }
        requests.incrementAndGet();
        LOG.info("Modbus device {}: writing {} = {}", settings.id(), channel, value);
        return transport.request(settings.unitId(), request).handle((response, failure) -> {
            try {
                if (failure != null) {
                    throw unwrap(failure);
                }
                Pdu.dataOf(request, response);
                return null;
            } catch (ModbusException e) {
                failedRequests.incrementAndGet();
                LOG.warn("Modbus device {}: writing {} = {} failed: {}", settings.id(), channel, value, e.getMessage());
                throw new CompletionException(e.toDeviceException(settings.id()));
            }
        }).thenCompose(written -> readChannel(spec));
    }

    private DeviceException usable() {
        if (stopped) {
            return new DeviceException(Reason.CLOSED, settings.id() + " was removed or its bus is stopping");
        }
        DeviceStatus current = status;
        if (current.state() == DeviceState.REFUSED) {
            return new DeviceException(Reason.OFFLINE, settings.id() + " is refused: " + current.reason());
        }
        return null;
    }

    private static <T> CompletionStage<T> failed(DeviceException e) {
        return CompletableFuture.failedFuture(e);
    }
}
