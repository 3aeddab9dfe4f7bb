package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceListener;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every device's readings and state changes to {@link Upstream} (the spool), one child per
 * device: {@code d/<device>/telemetry} and {@code d/<device>/status}, JSON. Without an Upstream
 * service (a gateway without the spool bundle) it drops them: readings are still kept by the
 * devices and shown by the shell, and nothing waits. A spool that refuses a message (full, no space) is logged once per kind of failure
 * until it accepts again: the poller is never held up.
 *
 * <p>Telemetry: {@code {"v":1,"device":"meter-7","readings":[{"channel":"flow","value":12.5,
 * "quality":"GOOD","ts":"2026-…Z"}]}}; status: {@code {"v":1,"device":"meter-7","state":"OFFLINE",
 * "reason":"…","since":"…"}}. State changes go at a higher priority than readings.
 */
@Component(service = DeviceListener.class, immediate = true)
public final class UpstreamForwarder implements DeviceListener {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamForwarder.class);
    private static final PublishOptions STATUS_OPTIONS = PublishOptions.priority(PublishOptions.DEFAULT_PRIORITY + 2);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Upstream upstream;

    private final AtomicLong refused = new AtomicLong();
    private volatile UpstreamException.Reason lastFailure;

    /** For DS. */
    public UpstreamForwarder() {
    }

    /** @param upstream the spool's publishing side (tests) */
    UpstreamForwarder(Upstream upstream) {
        this.upstream = upstream;
    }

    @Override
    public void readings(String deviceId, List<Reading> readings) {
        publish(deviceId, Upstream.TELEMETRY, telemetry(deviceId, readings), PublishOptions.DEFAULT);
    }

    @Override
    public void statusChanged(String deviceId, DeviceStatus previous, DeviceStatus current) {
        String json = "{\"v\":1,\"device\":" + Json.string(deviceId) + ",\"state\":" + Json.string(current.state().name())
                + ",\"reason\":" + Json.string(current.reason()) + ",\"since\":" + Json.string(current.since().toString()) + "}";
        publish(deviceId, Upstream.STATUS, json, STATUS_OPTIONS);
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

    private void publish(String deviceId, String suffix, String json, PublishOptions options) {
        Upstream target = upstream;
        if (target == null) {
            return; // no spool in this gateway: readings stay visible through the shell
        }
        try {
            target.publish(deviceId, suffix, json.getBytes(StandardCharsets.UTF_8), options);
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
        }
    }
}
