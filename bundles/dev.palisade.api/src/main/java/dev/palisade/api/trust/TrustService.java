package dev.palisade.api.trust;

import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509ExtendedTrustManager;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides locally and offline whether a device's certificate chain is trusted in a trust
 * domain, and who the device is.
 *
 * <p>Contract:
 * <ul>
 * <li>Thread-safe; called concurrently from TLS handshakes and pollers.</li>
 * <li>Never blocks on the network: CRLs are fetched in the background and verification uses the
 * cache as it is. Time and work per chain are bounded whatever the input (huge, deeply nested
 * or truncated encodings, long chains, many candidate issuers).</li>
 * <li>Never throws for a bad chain: every outcome, including unknown domains and malformed
 * input, is a {@link Verdict}.</li>
 * <li>The device identity is derived by the domain's identity rule (subject CN, a SAN URI or a
 * SAN DNS name) from the leaf's own DER encoding before validation — never from an object that
 * validation may have changed.</li>
 * <li>Configuration, anchor, CRL and deny-list changes apply to the next call, without a restart;
 * a deny-list entry takes effect immediately, also for chains whose verdict was cached.</li>
 * </ul>
 */
@ProviderType
public interface TrustService {

    /**
     * @param request the chain and the domain; never {@code null}
     * @return the verdict; never {@code null}
     */
    Verdict verify(TrustRequest request);

    /**
     * A trust manager that accepts a TLS peer exactly when {@link #verify} accepts its chain in
     * {@code domain}, with the purpose given by the side ({@code checkClientTrusted}:
     * {@link Purpose#CLIENT}, {@code checkServerTrusted}: {@link Purpose#SERVER}) and the current
     * time. It throws {@link RejectedCertificateException} on rejection. It does no host-name
     * check: the device's identity, matched against {@code expectedIdentity}, takes its place.
     * The domain is looked up at each handshake, so a domain configured later is picked up.
     *
     * @param domain the trust domain's name; never {@code null}
     * @param expectedIdentity the identity the peer must have, or {@code null} to accept any
     *        identity the domain's rule derives
     * @return a thread-safe trust manager; never {@code null}
     */
    X509ExtendedTrustManager trustManager(String domain, String expectedIdentity);

    /** @return snapshots of all configured domains, sorted by name; never {@code null} */
    List<TrustDomainInfo> domains();

    /**
     * @param name a domain's name; never {@code null}
     * @return a snapshot of that domain, or empty if no such domain is configured
     */
    Optional<TrustDomainInfo> domain(String name);
}
