package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.bus.Reading;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The object registered as the {@link LeafDevice} service. A configuration change replaces the
 * device behind it, so the service registration stays (and is modified) as the API promises.
 */
final class DeviceHandle implements LeafDevice {

    private volatile ModbusDevice device;

    void delegate(ModbusDevice device) {
        this.device = device;
    }

    @Override
    public String id() {
        return device.id();
    }

    @Override
    public String bus() {
        return device.bus();
    }

    @Override
    public String address() {
        return device.address();
    }

    @Override
    public List<Channel> channels() {
        return device.channels();
    }

    @Override
    public DeviceStatus status() {
        return device.status();
    }

    @Override
    public Optional<PeerIdentity> identity() {
        return device.identity();
    }

    @Override
    public Optional<ChildSigner> signer() {
        return device.signer();
    }

    @Override
    public List<Reading> latest() {
        return device.latest();
    }

    @Override
    public CompletionStage<Reading> read(String channel) {
        return device.read(channel);
    }

    @Override
    public CompletionStage<Reading> write(String channel, Object value) {
        return device.write(channel, value);
    }

    @Override
    public String toString() {
        return "LeafDevice[" + device.id() + " " + device.address() + "]";
    }
}
