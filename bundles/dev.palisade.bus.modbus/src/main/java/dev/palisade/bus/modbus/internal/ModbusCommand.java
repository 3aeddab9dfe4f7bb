package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.DataType;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.Reading;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code palisade:devices} (every leaf device of every bus) and {@code palisade:modbus
 * devices|read|write}. A failed read or write is thrown with the device's reason, so the admin
 * channel prints it on stderr and exits with 1.
 */
@Component(service = ModbusCommand.class)
@GogoCommand(scope = "palisade", function = {"devices", "modbus"})
public final class ModbusCommand {

    static final String USAGE = "usage: modbus devices | modbus read DEVICE [CHANNEL] | modbus write DEVICE CHANNEL VALUE";

    private final ModbusBus bus;
    private final List<LeafDevice> all = new CopyOnWriteArrayList<>();

    /** @param bus the Modbus bus */
    @Activate
    public ModbusCommand(@Reference ModbusBus bus) {
        this.bus = bus;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addDevice(LeafDevice device) {
        all.add(device);
    }

    void removeDevice(LeafDevice device) {
        all.remove(device);
    }

    /** @return every leaf device of every bus: state, last reading, errors */
    @Descriptor("list the leaf devices of every bus: state, last readings, errors")
    public String devices() {
        List<LeafDevice> sorted = all.stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
        if (sorted.isEmpty()) {
            return "no leaf devices\n";
        }
        StringBuilder out = new StringBuilder();
        for (LeafDevice device : sorted) {
            describe(out, device);
        }
        return out.toString();
    }

    /**
     * @param args {@code devices}, {@code read DEVICE [CHANNEL]} or {@code write DEVICE CHANNEL VALUE}
     * @return what was listed, read or written
     * @throws Exception the device's failure, with its reason
     */
    @Descriptor("Modbus devices: 'devices', 'read DEVICE [CHANNEL]', 'write DEVICE CHANNEL VALUE'")
    public String modbus(String... args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException(USAGE);
        }
        switch (args[0]) {
            case "devices" -> {
                StringBuilder out = new StringBuilder();
                List<ModbusDevice> devices = bus.devices();
                if (devices.isEmpty()) {
                    return "no Modbus devices configured (add etc/" + ModbusDeviceComponent.PID + "-NAME.cfg)\n";
                }
                for (ModbusDevice device : devices) {
                    describe(out, device);
                    out.append("  ").append(device.polls.get()).append(" poll(s), ").append(device.requests.get())
                            .append(" request(s), ").append(device.failedRequests.get()).append(" failed, ")
                            .append(device.settings().plan().size()).append(" request(s) per poll: ")
                            .append(device.settings().plan()).append('\n');
                }
                return out.toString();
            }
            case "read" -> {
                if (args.length < 2 || args.length > 3) {
                    throw new IllegalArgumentException(USAGE);
                }
                ModbusDevice device = device(args[1]);
                StringBuilder out = new StringBuilder();
                List<String> names = args.length == 3 ? List.of(args[2])
                        : device.channels().stream().map(Channel::name).toList();
                for (String name : names) {
                    Reading reading = await(device.read(name), device);
                    out.append(device.id()).append('/').append(name).append(" = ").append(format(reading, device))
                            .append('\n');
                }
                return out.toString();
            }
            case "write" -> {
                if (args.length != 4) {
                    throw new IllegalArgumentException(USAGE);
                }
                ModbusDevice device = device(args[1]);
                Channel channel = device.channels().stream().filter(c -> c.name().equals(args[2])).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(device.id() + " has no channel '" + args[2] + "'"));
                Object value = parse(channel, args[3]);
                Reading back = await(device.write(channel.name(), value), device);
                return "wrote " + device.id() + "/" + channel.name() + " = " + args[3] + ", read back "
                        + format(back, device) + "\n";
            }
            default -> throw new IllegalArgumentException(USAGE);
        }
    }

    private ModbusDevice device(String id) {
        return bus.device(id).orElseThrow(() -> new IllegalArgumentException("no Modbus device '" + id
                + "'; known: " + bus.devices().stream().map(ModbusDevice::id).toList()));
    }

    private static Reading await(CompletionStage<Reading> stage, ModbusDevice device) throws Exception {
        long timeout = device.settings().timeout().toMillis() * 3 + 2000;
        try {
            return stage.toCompletableFuture().get(timeout, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeviceException d) {
                throw new IllegalStateException(d.reason() + ": " + d.getMessage());
            }
            throw new IllegalStateException(String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new IllegalStateException("TIMEOUT: " + device.id() + " did not answer within " + timeout + " ms");
        }
    }

    /** Parses a value typed on the command line into the channel's Java type. */
    static Object parse(Channel channel, String text) {
        try {
            return switch (channel.type()) {
                case BOOLEAN -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "1", "on" -> Boolean.TRUE;
                    case "false", "0", "off" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("'" + text + "' is not true/false, 1/0 or on/off");
                };
                case FLOAT32 -> (double) Float.parseFloat(text); // "0.1" means the nearest float32
                case FLOAT64 -> Double.parseDouble(text);
                case STRING -> text;
                default -> Long.parseLong(text);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a " + channel.type().name().toLowerCase(Locale.ROOT)
                    + " value for channel " + channel.name());
        }
    }

    private static String format(Reading reading, LeafDevice device) {
        String unit = device.channels().stream().filter(c -> c.name().equals(reading.channel())).map(Channel::unit)
                .findFirst().orElse("");
        return (reading.value() == null ? "-" : reading.value() + (unit.isEmpty() ? "" : " " + unit))
                + " (" + reading.quality() + ", " + reading.timestamp() + ")";
    }

    private static void describe(StringBuilder out, LeafDevice device) {
        DeviceStatus status = device.status();
        out.append(device.id()).append(" [").append(device.bus()).append("] ").append(device.address()).append(": ")
                .append(status.state()).append(" since ").append(status.since())
                .append(status.reason().isEmpty() ? "" : " - " + status.reason()).append('\n');
        device.identity().ifPresent(peer -> out.append("  identity ").append(peer.identity()).append(" in domain ")
                .append(peer.trustDomain()).append('\n'));
        Map<String, Reading> latest = new java.util.HashMap<>();
        device.latest().forEach(r -> latest.put(r.channel(), r));
        for (Channel channel : device.channels()) {
            Reading reading = latest.get(channel.name());
            out.append("  ").append(channel.name()).append(" = ")
                    .append(reading == null ? "(no reading yet)" : format(reading, device))
                    .append(channel.writable() ? " [writable]" : "").append("  ").append(channel.location()).append('\n');
        }
    }

}
