package dev.palisade.api.bus;

import dev.palisade.api.identity.SignatureValue;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A leaf device's own ability to sign with the key of its certificate, reached through its bus.
 * The enrollment bundle uses it to relay the hub's challenge in {@code relay} mode. Implemented
 * by bus bundles whose devices can sign (a later local MQTT endpoint); obtained from
 * {@link LeafDevice#signer()}.
 *
 * <p>Thread-safe; never blocks: signing involves a round trip to the device.
 */
@ProviderType
public interface ChildSigner {

    /**
     * Asks the device to sign exactly {@code message}, unmodified, with the private key of the
     * leaf certificate it presented ({@link LeafDevice#identity()}).
     *
     * @param message the bytes to sign, prepared by the enrollment bundle; never {@code null};
     *        copied
     * @return completes with the device's signature, whose certificate is the device's leaf, or
     *         exceptionally with a {@link DeviceException} ({@code OFFLINE}, {@code TIMEOUT},
     *         {@code DEVICE_ERROR}, {@code TRANSPORT_ERROR}, {@code CLOSED})
     */
    CompletionStage<SignatureValue> sign(byte[] message);
}
