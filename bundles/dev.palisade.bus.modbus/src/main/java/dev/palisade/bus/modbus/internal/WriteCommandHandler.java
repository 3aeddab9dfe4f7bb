package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.DataType;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.upstream.CommandHandler;
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
 * {@code {"v":1,"ok":true,"device":…,"channel":…,"written":21.5,"readBack":21.5,"quality":"GOOD","ts":…}}
 * or, when the device refuses or fails, {@code {"v":1,"ok":false,"reason":"INVALID_VALUE","message":…}}
 * (the {@link DeviceException.Reason} names). A malformed request is answered the same way with
 * reason {@code BAD_REQUEST}. It uses only the bus API, so it serves every bus's devices.
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
            return answer(error("BAD_REQUEST", "write is a command for a child: …/d/<child>/cmd/write"));
        }
        Optional<LeafDevice> found = devices.stream().filter(d -> d.id().equals(childId)).findFirst();
        if (found.isEmpty()) {
            return answer(error("UNKNOWN_DEVICE", "no leaf device '" + childId + "' on this gateway"));
        }
        LeafDevice device = found.get();
        Map<String, Object> request;
        try {
            request = FlatJson.parse(new String(payload, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return answer(error("BAD_REQUEST", "write request for " + childId + ": " + e.getMessage()));
        }
        if (!(request.get("channel") instanceof String channelName) || !request.containsKey("value")) {
            return answer(error("BAD_REQUEST", "write request for " + childId
                    + " needs {\"channel\": NAME, \"value\": VALUE}"));
        }
        Object value = coerce(device, channelName, request.get("value"));
        LOG.info("hub command: write {}/{} = {}", childId, channelName, value);
        return device.write(channelName, value).handle((reading, failure) -> {
            if (failure == null) {
                return ok(reading, value);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof DeviceException d) {
                return error(d.reason().name(), d.getMessage());
            }
            return error("DEVICE_ERROR", String.valueOf(cause));
        }).thenApply(json -> json.getBytes(StandardCharsets.UTF_8));
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

    private static String error(String reason, String message) {
        return "{\"v\":1,\"ok\":false,\"reason\":" + Json.string(reason) + ",\"message\":" + Json.string(message) + "}";
    }

    private static CompletionStage<byte[]> answer(String json) {
        return CompletableFuture.completedFuture(json.getBytes(StandardCharsets.UTF_8));
    }
}
