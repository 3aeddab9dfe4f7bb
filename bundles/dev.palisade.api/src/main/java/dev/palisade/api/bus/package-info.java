/**
 * Leaf devices on local buses, as services: what they are, what they measure, how they are
 * doing, and how to read, write and (for devices with their own key) sign through them.
 *
 * <p>Implemented by bus bundles ({@code dev.palisade.bus.modbus} now; a local MQTT endpoint and
 * OPC UA later): each registers one {@link dev.palisade.api.bus.LeafDevice} service per device
 * and calls the whiteboard {@link dev.palisade.api.bus.DeviceListener} services with readings
 * and state changes. Nothing here is specific to a bus: bus details live in the device's address
 * and each channel's location, in the bus's own notation.
 *
 * <p>Used by the component that forwards readings upstream, by the enrollment bundle (children
 * are discovered from these services, their identity and signing capability decide the proof
 * mode), by the hub's write commands and by the shell ({@code palisade:devices}).
 */
@Export
@Version("1.0.0")
package dev.palisade.api.bus;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
