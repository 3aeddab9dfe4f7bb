package dev.palisade.api.identity;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Provisioning of the gateway's identity: what {@code palisade:identity} and
 * {@code bin/palisade identity} do.
 *
 * <p>Registered whenever a keystore is configured, also while the token is absent or holds no
 * key (so that an operator can find out why). Every method may block on the token for seconds
 * (an RSA-3072 key generation on a TPM is slow): call it from a shell or a worker thread, never
 * from a component's activation. Calls are serialised by the provider. The token's PIN comes
 * from the configured PIN source; no method takes or returns one.
 *
 * <p>Rotation: {@link #rotate} creates a pending key beside the current one, which keeps serving
 * the {@link Signer} and the {@link GatewayIdentity}'s key manager. {@link #csr} then signs with
 * the pending key, and {@link #install} of a chain for the pending key (recognised by the leaf's
 * public key) switches the gateway to it atomically: every signature and handshake that starts
 * afterwards uses the new key and chain, none sees a mix. The old key and its certificate are
 * destroyed on the token after the switch, once every {@link Signer#sign} call that took the old
 * key has returned; a TLS handshake that took the old key just before the switch and signs after
 * the destruction fails, and the link reconnects with the new identity. If the gateway stops
 * between the switch and the destruction, the old key is destroyed at the next start; if it
 * stops after the new chain was stored but before the switch, the switch is completed then.
 */
@ProviderType
public interface IdentityAdmin {

    /**
     * Generates the gateway's first key on the token, marked sensitive and non-extractable, and
     * stores it under {@code alias} with a self-signed placeholder certificate.
     *
     * @param alias the alias to store the key under; never {@code null} or blank
     * @param type the key type; never {@code null}
     * @return facts about the new key; {@link IdentityInfo#chainInstalled()} is {@code false}
     * @throws IdentityException {@code KEY_EXISTS} if the gateway already has a key (use
     *         {@link #rotate}) or the alias is taken; {@code KEY_TYPE_UNSUPPORTED}; token and PIN
     *         reasons
     */
    IdentityInfo init(String alias, KeyType type) throws IdentityException;

    /**
     * Makes a PKCS#10 request for the pending key if a rotation is in progress, else for the
     * current key, signed on the token.
     *
     * @param request subject and SANs; never {@code null}
     * @return the request in PEM ({@code -----BEGIN CERTIFICATE REQUEST-----}); never {@code null}
     * @throws IdentityException {@code NO_KEY}; token and PIN reasons
     * @throws IllegalArgumentException if a SAN value is invalid (the message names it)
     */
    String csr(CsrRequest request) throws IdentityException;

    /**
     * Installs an issued chain for the current key, or for the pending key of a rotation, which
     * then becomes current atomically. Nothing changes when the chain is refused.
     *
     * @param chain the leaf first, then intermediates in issuing order, optionally ending with
     *        {@code root}; never {@code null} or empty
     * @param root the root the operator trusts for this chain; never {@code null}
     * @return facts about the identity now in use
     * @throws IdentityException {@code CHAIN_MISMATCH} if the leaf's key is neither the current
     *         nor the pending key; {@code CHAIN_INVALID} if the chain does not validate to
     *         {@code root} at the current time; token and PIN reasons
     */
    IdentityInfo install(List<X509Certificate> chain, X509Certificate root) throws IdentityException;

    /**
     * Starts a rotation: generates a pending key under {@code alias} beside the current
     * identity, which stays in use, and returns a CSR for it. Starting another rotation
     * replaces (and destroys) a pending key that has no chain yet.
     *
     * @param alias the alias of the new key, different from the current one; never {@code null}
     * @param type the new key's type; never {@code null}
     * @param request subject and SANs for the CSR; never {@code null}
     * @return the CSR in PEM
     * @throws IdentityException {@code NO_KEY} if there is no current identity to rotate (use
     *         {@link #init}); {@code KEY_EXISTS} if the alias is taken; token and PIN reasons
     */
    String rotate(String alias, KeyType type, CsrRequest request) throws IdentityException;

    /**
     * @return the current key, with its placeholder or installed certificate, or empty if the
     *         token holds no gateway key yet
     * @throws IdentityException token and PIN reasons
     */
    Optional<IdentityInfo> current() throws IdentityException;

    /**
     * @return the pending key of a rotation in progress, or empty if there is none
     * @throws IdentityException token and PIN reasons
     */
    Optional<IdentityInfo> pending() throws IdentityException;
}
