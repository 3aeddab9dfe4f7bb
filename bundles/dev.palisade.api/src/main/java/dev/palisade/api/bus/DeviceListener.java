package dev.palisade.api.bus;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told about readings, state changes and removals of leaf devices on every bus. Register it as
 * an OSGi service (whiteboard); every bus bundle calls every registered listener. Devices
 * appearing are seen as {@link LeafDevice} service registrations.
 *
 * <p>Calls for one device come in order, on a thread of its bus bundle: a listener must return
 * quickly and must not block (a poller is waiting). An exception thrown by a listener is logged
 * and otherwise ignored. Every method has an empty default, so a listener implements only what
 * it needs.
 */
@ConsumerType
public interface DeviceListener {

    /**
     * Readings of one device from one poll or one report, in channel order.
     *
     * @param deviceId the device's id; never {@code null}
     * @param readings one or more readings, all of that device; never {@code null}; unmodifiable
     */
    default void readings(String deviceId, List<Reading> readings) {
    }

    /**
     * The device's state changed.
     *
     * @param deviceId the device's id; never {@code null}
     * @param previous the previous status; never {@code null}
     * @param current the new status, also returned by {@link LeafDevice#status()} from now on;
     *        never {@code null}
     */
    default void statusChanged(String deviceId, DeviceStatus previous, DeviceStatus current) {
    }

    /**
     * The device was removed from the configuration and will not come back under this id. Not
     * called when a bus bundle merely stops (for an update): its devices' services go away and
     * come back, but the devices still exist.
     *
     * @param deviceId the device's id; never {@code null}
     */
    default void removed(String deviceId) {
    }
}
