package dev.palisade.distro;

import dev.palisade.api.bus.Channel;
import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.bus.Reading;
import dev.palisade.api.identity.SignatureValue;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * A leaf device registered by a test, as a bus bundle registers one: with a TLS identity it
 * presented (attest), and optionally its own key to sign with (relay), in software. It has no
 * channels: enrollment needs only its identity and signer.
 */
final class TestLeafDevice implements LeafDevice {

    private final String id;
    private final PeerIdentity identity;
    private final PrivateKey key;

    /**
     * @param identity the identity the device proved, or null for a plain device (custodial)
     * @param key the device's key for relay, or null when it cannot sign
     */
    TestLeafDevice(String id, PeerIdentity identity, PrivateKey key) {
        this.id = id;
        this.identity = identity;
        this.key = key;
    }

    ServiceRegistration<LeafDevice> register(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(LeafDevice.ID, id);
        properties.put(LeafDevice.BUS, bus());
        return context.registerService(LeafDevice.class, this, properties);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String bus() {
        return "test";
    }

    @Override
    public String address() {
        return "registered by the test";
    }

    @Override
    public List<Channel> channels() {
        return List.of();
    }

    @Override
    public DeviceStatus status() {
        return new DeviceStatus(DeviceState.ONLINE, "", Instant.now());
    }

    @Override
    public Optional<PeerIdentity> identity() {
        return Optional.ofNullable(identity);
    }

    @Override
    public Optional<ChildSigner> signer() {
        if (key == null) {
            return Optional.empty();
        }
        return Optional.of(message -> {
            try {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(key);
                s.update(message);
                return CompletableFuture.completedFuture(new SignatureValue("SHA256withECDSA", s.sign(), identity.chain().get(0)));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        });
    }

    @Override
    public List<Reading> latest() {
        return List.of();
    }

    @Override
    public CompletionStage<Reading> read(String channel) {
        return CompletableFuture.failedFuture(new DeviceException(DeviceException.Reason.UNKNOWN_CHANNEL, "no channels"));
    }

    @Override
    public CompletionStage<Reading> write(String channel, Object value) {
        return CompletableFuture.failedFuture(new DeviceException(DeviceException.Reason.UNKNOWN_CHANNEL, "no channels"));
    }
}
