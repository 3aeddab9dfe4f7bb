package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.DataType;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.upstream.CommandHandler;
import dev.palisade.lib.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's {@code …/d/<child>/cmd/write} command for leaf devices of any bus: request
 * {@code {"channel":"setpoint","value":21.5}}, answered after the write and the read-back with
 * {@code {"v":1,"ok":true,"device":…,"channel":…,"written":21.5,"readBack":21.5,"quality":"GOOD","ts":…}}.
 *
 * <p>A write that is refused or fails is an <b>error</b> of the request/response, as every other
 * failed command is: the stage completes exceptionally with a {@link WriteRefusedException}
 * whose message starts with the reason code ({@code INVALID_VALUE: boiler-1/setpoint: 120.0 is
 * outside …}; the {@link DeviceException.Reason} names, {@code BAD_REQUEST},
 * {@code UNKNOWN_DEVICE}), and the hub link answers it with {@code palisade-status: error} and
 * {@code {"v":1,"error":"INVALID_VALUE: …"}} (docs/upstream.md). So a hub that checks only the
 * status never takes a refused write for a done one. It uses only the bus API, so it serves every
 * bus's devices.
 */
@Component(service = CommandHandler.class, property = CommandHandler.COMMAND + "=write")
public final class WriteCommandHandler implements CommandHandler {

    private static final Logger LOG = LoggerFactory.getLogger(WriteCommandHandler.class);

    private final List<LeafDevice> devices = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addDevice(LeafDevice device) {
        devices.add(device);
    }

    void removeDevice(LeafDevice device) {
        devices.remove(device);
    }

    @Override
    public CompletionStage<byte[]> handle(String childId, String command, byte[] payload) {
        if (childId == null) {
            return refuse("BAD_REQUEST", "write is a command for a child: …/d/<child>/cmd/write");
        }
        Optional<LeafDevice> found = devices.stream().filter(d -> d.id().equals(childId)).findFirst();
        if (found.isEmpty()) {
            return refuse("UNKNOWN_DEVICE", "no leaf device '" + childId + "' on this gateway");
        }
        LeafDevice device = found.get();
        Map<String, Object> request;
        try {
            request = FlatJson.parse(new String(payload, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return refuse("BAD_REQUEST", "write request for " + childId + ": " + e.getMessage());
        }
        if (!(request.get("channel") instanceof String channelName) || !request.containsKey("value")) {
            return refuse("BAD_REQUEST", "write request for " + childId
                    + " needs {\"channel\": NAME, \"value\": VALUE}");
        }
        Object value = coerce(device, channelName, request.get("value"));
        LOG.info("hub command: write {}/{} = {}", childId, channelName, value);
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        device.write(channelName, value).whenComplete((reading, failure) -> {
            if (failure == null) {
                answer.complete(ok(reading, value).getBytes(StandardCharsets.UTF_8));
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            WriteRefusedException refusal = cause instanceof DeviceException d
                    ? new WriteRefusedException(d.reason().name(), d.getMessage())
                    : new WriteRefusedException("DEVICE_ERROR", String.valueOf(cause));
            LOG.info("hub command: write {}/{} refused: {}", childId, channelName, refusal.getMessage());
            answer.completeExceptionally(refusal);
        });
        return answer;
    }

    /**
     * A write the handler or the device refused. The message is {@code REASON: detail}: the hub
     * link sends exactly the message, so the reason code leads it.
     */
    static final class WriteRefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        WriteRefusedException(String reason, String detail) {
            super(reason + ": " + detail, null, false, false);
            this.reason = reason;
        }

        /** @return the reason code, e.g. {@code INVALID_VALUE} */
        String reason() {
            return reason;
        }
    }

    /** JSON has one number type: a float32 channel gets the nearest float32, as the shell does. */
    private static Object coerce(LeafDevice device, String channelName, Object value) {
        Optional<Channel> channel = device.channels().stream().filter(c -> c.name().equals(channelName)).findFirst();
        if (channel.isPresent() && channel.get().type() == DataType.FLOAT32 && value instanceof Number n) {
            return (double) n.floatValue();
        }
        if (channel.isPresent() && channel.get().type() == DataType.FLOAT64 && value instanceof Long n) {
            return n.doubleValue();
        }
        return value;
    }

    private static String ok(Reading reading, Object written) {
        return "{\"v\":1,\"ok\":true,\"device\":" + Json.string(reading.deviceId()) + ",\"channel\":"
                + Json.string(reading.channel()) + ",\"written\":" + Json.value(written) + ",\"readBack\":"
                + Json.value(reading.value()) + ",\"quality\":\"" + reading.quality() + "\",\"ts\":\"" + reading.timestamp()
                + "\"}";
    }

    private static CompletionStage<byte[]> refuse(String reason, String detail) {
        return CompletableFuture.failedFuture(new WriteRefusedException(reason, detail));
    }
}
