package dev.palisade.api.identity;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Keys the gateway holds on its token on behalf of children that have no cryptography of their
 * own (a plain Modbus device): {@code custodial} enrollment ({@code dev.palisade.api.enroll}).
 * Each child's key is generated on the gateway's token, sensitive and non-extractable like the
 * gateway's own; its certificate comes from the integrator's CA through a CSR.
 *
 * <p>Registered beside {@link IdentityAdmin}, by the same provider and on the same token. Every
 * method may block on the token: call it from a shell or a worker thread. The token's PIN comes
 * from the configured PIN source; no method takes or returns one.
 */
@ProviderType
public interface CustodialKeys {

    /**
     * Makes a PKCS#10 request with subject {@code CN=<child>} for the child's key, generating the
     * key on the token first if the child has none yet (a second call reuses it).
     *
     * @param child the child id, which becomes the certificate's CN; 1–128 of
     *        {@code A–Z a–z 0–9 . _ : -}
     * @param type the key type if one is generated; never {@code null}
     * @return the request in PEM; never {@code null}
     * @throws IdentityException {@code KEY_TYPE_UNSUPPORTED}; token and PIN reasons
     * @throws IllegalArgumentException if the child id is not an id
     */
    String csr(String child, KeyType type) throws IdentityException;

    /**
     * Installs the chain issued for the child's key, replacing an earlier one.
     *
     * @param child the child id
     * @param chain the leaf first, then its CAs; never {@code null} or empty
     * @return facts about the child's key and its new certificate
     * @throws IdentityException {@code NO_KEY} if the child has no key (make a CSR first);
     *         {@code CHAIN_MISMATCH} if the leaf is not for the child's key or its CN is not the
     *         child id; {@code CHAIN_INVALID} if the leaf is not valid now or is not signed by
     *         the next certificate; token and PIN reasons
     */
    IdentityInfo install(String child, List<X509Certificate> chain) throws IdentityException;

    /**
     * @param child the child id
     * @return a signer with the child's key once a chain is installed for it; empty before (no
     *         key, or only the placeholder certificate)
     * @throws IdentityException token and PIN reasons
     */
    Optional<Signer> signer(String child) throws IdentityException;
}
