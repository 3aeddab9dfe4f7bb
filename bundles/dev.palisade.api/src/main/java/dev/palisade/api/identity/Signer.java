package dev.palisade.api.identity;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Signs bytes with a key held on the gateway's token, for proofs of possession.
 *
 * <p>The signer for the gateway's own key is registered with the service property
 * {@value #OWNER}={@value #GATEWAY}, under the same conditions as {@link GatewayIdentity}.
 * Other values of {@value #OWNER} are reserved for keys the gateway holds on behalf of others
 * (custodial children, see {@code dev.palisade.api.enroll}); select the gateway's signer with
 * the filter {@code (palisade.signer.owner=gateway)}.
 *
 * <p>Safe for concurrent use. {@link #sign(byte[])} blocks while the token signs: about 0.1 ms
 * on SoftHSM2, several milliseconds on a TPM emulator and tens of milliseconds on a discrete TPM,
 * which also serialises concurrent calls. Callers that need many signatures per second batch
 * what they sign (the enrollment protocol signs a hash tree) instead of calling more often.
 * The provider exposes its rate and latency through its health report.
 */
@ProviderType
public interface Signer {

    /** Service property naming whose key this signer uses. */
    String OWNER = "palisade.signer.owner";

    /** Value of {@link #OWNER} for the gateway's own key. */
    String GATEWAY = "gateway";

    /**
     * Signs {@code data} with {@link #algorithm()}; the provider hashes it, so the data may be
     * of any length. During a rotation the key switches atomically: the returned value names
     * the certificate of the key that actually signed.
     *
     * @param data the bytes to sign; never {@code null}; not modified and not retained
     * @return the signature; never {@code null}
     * @throws IdentityException with {@link IdentityException.Reason#TOKEN_ABSENT} when the token
     *         went away, {@link IdentityException.Reason#TOKEN_ERROR} when it failed to sign
     */
    SignatureValue sign(byte[] data) throws IdentityException;

    /** @return the JCA name of the signature algorithm, as in {@link KeyType#signatureAlgorithm()} */
    String algorithm();

    /** @return the public key of the current key; never {@code null} */
    PublicKey publicKey();

    /** @return the current chain, leaf first; never {@code null} or empty; unmodifiable */
    List<X509Certificate> chain();
}
