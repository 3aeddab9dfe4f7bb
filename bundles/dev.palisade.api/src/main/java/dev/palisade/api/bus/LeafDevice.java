package dev.palisade.api.bus;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A leaf device attached to a local bus; one service per device, registered by its bus bundle
 * with the service properties {@value #ID} and {@value #BUS}.
 *
 * <p>The device is a child of the gateway: its id is the child id upstream
 * ({@code palisade/v1/<gateway>/d/<id>/…}). A change to the device's configuration keeps the
 * service registered and updates it (a MODIFIED service event); the service is unregistered when
 * the device is removed ({@link DeviceListener#removed}) or its bus bundle stops.
 *
 * <p>Thread-safe. Accessors answer from memory and never block; {@link #read} and {@link #write}
 * return at once and complete when the device answered. Operations are queued per transport as
 * the bus requires (one request at a time on a serial line).
 */
@ProviderType
public interface LeafDevice {

    /** Service property: the device's id ({@code String}). */
    String ID = "palisade.device.id";

    /** Service property: the bus's name ({@code String}), as {@link #bus()}. */
    String BUS = "palisade.device.bus";

    /**
     * @return the device's id, unique on the gateway across all buses and stable across
     *         restarts and configuration changes; a single MQTT topic level (no {@code /},
     *         {@code +}, {@code #} or NUL); never {@code null}
     */
    String id();

    /** @return the bus's name, e.g. {@code modbus}; never {@code null} */
    String bus();

    /**
     * @return where the device is reached, in the bus's notation, for display (e.g.
     *         {@code tls://10.0.4.7:802 unit 1}, {@code rtu:/dev/ttyS1 9600 8E1 unit 3}); never
     *         {@code null}
     */
    String address();

    /** @return the device's channels in configuration order; never {@code null}; unmodifiable */
    List<Channel> channels();

    /** @return the device's current status; never {@code null} */
    DeviceStatus status();

    /**
     * @return what the device proved in its most recent accepted mutually authenticated TLS
     *         handshake with the gateway; empty for plain transports and before the first such
     *         handshake
     */
    Optional<PeerIdentity> identity();

    /** @return the device's own signing capability, or empty if it cannot sign */
    Optional<ChildSigner> signer();

    /** @return the last reading of each channel that has one; never {@code null}; unmodifiable */
    List<Reading> latest();

    /**
     * Reads a channel from the device now (not from the last poll).
     *
     * @param channel the channel's name; never {@code null}
     * @return completes with the reading, or exceptionally with a {@link DeviceException}
     *         ({@code UNKNOWN_CHANNEL}, {@code OFFLINE}, {@code TIMEOUT}, {@code DEVICE_ERROR},
     *         {@code TRANSPORT_ERROR}, {@code CLOSED})
     */
    CompletionStage<Reading> read(String channel);

    /**
     * Writes a value, then reads it back. The value must be of the channel type's Java type,
     * or for a numeric channel any {@link Number} exactly representable in it, and within the
     * type's range; it is checked before anything is sent.
     *
     * @param channel the channel's name; never {@code null}
     * @param value the value; never {@code null}
     * @return completes with the reading taken after the write — it may differ from the value
     *         written if the device clamps or rounds, and callers report both — or
     *         exceptionally with a {@link DeviceException} ({@code UNKNOWN_CHANNEL},
     *         {@code NOT_WRITABLE}, {@code INVALID_VALUE}, or as for {@link #read})
     */
    CompletionStage<Reading> write(String channel, Object value);
}
