package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceListener;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.lib.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every device's readings and state changes to {@link Upstream} (the spool), one child per
 * device: {@code d/<device>/telemetry} and {@code d/<device>/status}, JSON. Without an Upstream
 * service (a gateway without the spool bundle) it drops them: readings are still kept by the
 * devices and shown by the shell, and nothing waits.
 *
 * <p><b>Never on the poll thread.</b> The spool may write and fsync each message; listener calls
 * come from the pollers and must not block. So the calls only queue the message, and one thread
 * of this component ({@code palisade-modbus-upstream}) publishes them in arrival order — which
 * keeps each device's messages in order. The queue is bounded ({@code queue.capacity}): while it
 * is full, new readings are <b>dropped</b> (the device keeps its latest readings for the shell,
 * the spool keeps what it accepted), counted, logged once per overload, and shown by
 * {@code palisade:status} (component {@code modbus-upstream}); state changes have a reserve of
 * their own so that an overload never hides a device going OFFLINE. A spool that refuses a
 * message (full, no space) is logged once per kind of failure until it accepts again.
 *
 * <p>Telemetry: {@code {"v":1,"device":"meter-7","readings":[{"channel":"flow","value":12.5,
 * "quality":"GOOD","ts":"2026-…Z"}]}}; status: {@code {"v":1,"device":"meter-7","state":"OFFLINE",
 * "reason":"…","since":"…"}}. State changes go at a higher priority than readings.
 */
@Component(service = {DeviceListener.class, HealthIndicator.class}, immediate = true,
        configurationPid = UpstreamForwarder.PID)
@Designate(ocd = UpstreamForwarder.Config.class)
public final class UpstreamForwarder implements DeviceListener, HealthIndicator {

    static final String PID = "dev.palisade.bus.modbus.upstream";

    /** How the Modbus bus hands messages to the spool. */
    @ObjectClassDefinition(name = "Palisade Modbus readings upstream",
            description = "The queue between the Modbus pollers and the spool.")
    public @interface Config {
        /** @return see description */
        @AttributeDefinition(name = "Queue capacity", min = "1",
                description = "Messages waiting for the spool at most; while the queue is full new readings are"
                        + " dropped and counted (state changes have a reserve of their own).")
        int queue_capacity() default DEFAULT_CAPACITY;
    }

    static final int DEFAULT_CAPACITY = 10_000;
    /** Extra room for state changes beyond the capacity: at most one per device and poll. */
    static final int STATUS_RESERVE = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamForwarder.class);
    private static final PublishOptions STATUS_OPTIONS = PublishOptions.priority(PublishOptions.DEFAULT_PRIORITY + 2);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Upstream upstream;

    private final int capacity;
    private final ExecutorService worker;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong droppedReadings = new AtomicLong();
    private final AtomicLong droppedStates = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    /** Dropped in the current overload; 0 when the queue is not overloaded. */
    private final AtomicLong droppedInOverload = new AtomicLong();
    private volatile Instant lastDrop;

    private final AtomicLong refused = new AtomicLong();
    private volatile UpstreamException.Reason lastFailure;

    /** @param config the queue's configuration */
    @Activate
    public UpstreamForwarder(Config config) {
        this(null, config.queue_capacity());
    }

    /**
     * @param upstream the spool's publishing side (tests; DS sets it through the reference)
     * @param capacity messages waiting at most
     */
    UpstreamForwarder(Upstream upstream, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException(PID + ": queue.capacity must be at least 1, not " + capacity);
        }
        this.upstream = upstream;
        this.capacity = capacity;
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "palisade-modbus-upstream");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void readings(String deviceId, List<Reading> readings) {
        if (upstream == null) {
            return; // no spool in this gateway: readings stay visible through the shell
        }
        if (!admit(capacity)) {
            droppedReadings.incrementAndGet();
            return;
        }
        submit(() -> publish(deviceId, Upstream.TELEMETRY, telemetry(deviceId, readings), PublishOptions.DEFAULT));
    }

    @Override
    public void statusChanged(String deviceId, DeviceStatus previous, DeviceStatus current) {
        if (upstream == null) {
            return;
        }
        if (!admit(capacity + STATUS_RESERVE)) {
            droppedStates.incrementAndGet();
            return;
        }
        submit(() -> publish(deviceId, Upstream.STATUS, status(deviceId, current), STATUS_OPTIONS));
    }

    /** Takes a place in the queue if fewer than {@code limit} wait; the first refusal of an overload is logged. */
    private boolean admit(int limit) {
        while (true) {
            int now = waiting.get();
            if (now >= limit) {
                lastDrop = Instant.now();
                if (droppedInOverload.getAndIncrement() == 0) {
                    LOG.warn("the spool does not keep up with the Modbus readings: {} message(s) waiting; new readings"
                            + " are dropped until it catches up (counted in palisade:status modbus-upstream)", now);
                }
                return false;
            }
            if (waiting.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    private void submit(Runnable publication) {
        try {
            worker.execute(() -> {
                try {
                    publication.run();
                } finally {
                    int left = waiting.decrementAndGet();
                    if (left <= capacity / 2 && droppedInOverload.get() > 0) {
                        long dropped = droppedInOverload.getAndSet(0);
                        if (dropped > 0) {
                            LOG.info("the spool caught up with the Modbus readings; {} message(s) were dropped meanwhile",
                                    dropped);
                        }
                    }
                }
            });
        } catch (RejectedExecutionException stopped) {
            waiting.decrementAndGet(); // deactivated: nothing is published any more
        }
    }

    static String telemetry(String deviceId, List<Reading> readings) {
        StringBuilder json = new StringBuilder(64 + readings.size() * 64);
        json.append("{\"v\":1,\"device\":").append(Json.string(deviceId)).append(",\"readings\":[");
        for (int i = 0; i < readings.size(); i++) {
            Reading reading = readings.get(i);
            json.append(i == 0 ? "" : ",").append("{\"channel\":").append(Json.string(reading.channel()))
                    .append(",\"value\":").append(Json.value(reading.value()))
                    .append(",\"quality\":\"").append(reading.quality()).append("\",\"ts\":\"")
                    .append(reading.timestamp()).append("\"}");
        }
        return json.append("]}").toString();
    }

    static String status(String deviceId, DeviceStatus current) {
        return "{\"v\":1,\"device\":" + Json.string(deviceId) + ",\"state\":" + Json.string(current.state().name())
                + ",\"reason\":" + Json.string(current.reason()) + ",\"since\":" + Json.string(current.since().toString()) + "}";
    }

    private void publish(String deviceId, String suffix, String json, PublishOptions options) {
        Upstream target = upstream;
        if (target == null) {
            return;
        }
        try {
            target.publish(deviceId, suffix, json.getBytes(StandardCharsets.UTF_8), options);
            published.incrementAndGet();
            if (lastFailure != null) {
                LOG.info("the spool accepts Modbus readings again after refusing {} message(s)", refused.getAndSet(0));
                lastFailure = null;
            }
        } catch (UpstreamException e) {
            refused.incrementAndGet();
            if (lastFailure != e.reason()) {
                lastFailure = e.reason();
                LOG.warn("the spool refused a message of device {} ({}): {}; further refusals are counted, not logged",
                        deviceId, e.reason(), e.getMessage());
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("device {} cannot be published upstream: {}", deviceId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("the spool failed on a message of device {}: {}", deviceId, e.toString());
        }
    }

    /** @return messages waiting for the spool now */
    int waiting() {
        return waiting.get();
    }

    /** @return readings dropped because the queue was full, since start */
    long droppedReadings() {
        return droppedReadings.get();
    }

    /** Degraded while messages are being dropped (or were within the last minute). */
    @Override
    public HealthReport health() {
        long readingsLost = droppedReadings.get();
        long statesLost = droppedStates.get();
        Instant drop = lastDrop;
        boolean recent = drop != null && drop.isAfter(Instant.now().minusSeconds(60));
        Map<String, String> details = new LinkedHashMap<>();
        details.put("waiting", waiting.get() + " of " + capacity);
        details.put("published", Long.toString(published.get()));
        details.put("dropped readings", Long.toString(readingsLost));
        details.put("dropped state changes", Long.toString(statesLost));
        details.put("refused by the spool", Long.toString(refused.get()));
        String summary = waiting.get() + " message(s) waiting for the spool, " + readingsLost + " reading(s) dropped"
                + (drop == null ? "" : " (last at " + drop + ")");
        return new HealthReport("modbus-upstream", recent ? Health.DEGRADED : Health.UP, summary, details, Instant.now());
    }

    /** Publishes what is already queued for up to two seconds, then stops the thread. */
    @Deactivate
    void deactivate() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(2, TimeUnit.SECONDS)) {
                List<Runnable> left = worker.shutdownNow();
                LOG.info("Modbus upstream stopped with {} message(s) not handed to the spool", left.size());
                worker.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
