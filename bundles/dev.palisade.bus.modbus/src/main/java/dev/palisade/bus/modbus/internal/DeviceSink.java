package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import java.util.List;

/** Where a device's readings and state changes go: the bus, which tells the listeners. */
interface DeviceSink {

    void readings(ModbusDevice device, List<Reading> readings);

    void statusChanged(ModbusDevice device, DeviceStatus previous, DeviceStatus current);
}
