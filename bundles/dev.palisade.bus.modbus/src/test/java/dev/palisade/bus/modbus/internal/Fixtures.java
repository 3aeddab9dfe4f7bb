package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Configurations as an operator writes them, and a sink that records what a device reports. */
final class Fixtures {

    private Fixtures() {
    }

    /** A DeviceConfig with the annotation's defaults and the given values (keys as in .cfg files). */
    static DeviceConfig config(Map<String, Object> values) {
        return (DeviceConfig) java.lang.reflect.Proxy.newProxyInstance(DeviceConfig.class.getClassLoader(),
                new Class<?>[] {DeviceConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return DeviceConfig.class;
                    }
                    String key = method.getName().replace('_', '.');
                    if (values.containsKey(key)) {
                        Object value = values.get(key);
                        if (method.getReturnType() == String[].class && value instanceof String s) {
                            return new String[] {s};
                        }
                        return value;
                    }
                    Object def = method.getDefaultValue();
                    if (def == null) {
                        throw new IllegalStateException("test config lacks required '" + key + "'");
                    }
                    return def;
                });
    }

    static Map<String, Object> tcp(String id, int port, String channels) {
        Map<String, Object> map = new HashMap<>();
        map.put("id", id);
        map.put("transport", "tcp");
        map.put("host", "127.0.0.1");
        map.put("port", port);
        map.put("channels", channels);
        map.put("poll.interval.ms", 200L);
        map.put("timeout.ms", 500L);
        return map;
    }

    static DeviceSettings settings(Map<String, Object> values) {
        return DeviceSettings.from(config(values), "test-pid");
    }

    static final class Sink implements DeviceSink {
        final List<List<Reading>> readings = new CopyOnWriteArrayList<>();
        final List<DeviceStatus> states = new CopyOnWriteArrayList<>();

        @Override
        public void readings(ModbusDevice device, List<Reading> list) {
            readings.add(list);
        }

        @Override
        public void statusChanged(ModbusDevice device, DeviceStatus previous, DeviceStatus current) {
            states.add(current);
        }

        Map<String, Object> lastValues() {
            Map<String, Object> map = new HashMap<>();
            if (!readings.isEmpty()) {
                readings.get(readings.size() - 1).forEach(r -> map.put(r.channel(), r.value()));
            }
            return map;
        }
    }

    static ScheduledThreadPoolExecutor scheduler() {
        return new ScheduledThreadPoolExecutor(2);
    }

    static ModbusDevice tcpDevice(DeviceSettings settings, ScheduledThreadPoolExecutor scheduler, DeviceSink sink) {
        return new ModbusDevice(settings, new TcpTransport(settings.id(), settings.host(), settings.port(), Connector.PLAIN,
                settings.connectTimeoutMillis(), settings.timeout().toMillis(), settings.maxInFlight(), scheduler),
                scheduler, sink, Clock.systemUTC());
    }

    static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    static boolean in(ModbusDevice device, DeviceState state) {
        return device.status().state() == state;
    }

}
