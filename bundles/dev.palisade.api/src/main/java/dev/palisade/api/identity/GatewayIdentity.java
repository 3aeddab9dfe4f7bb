package dev.palisade.api.identity;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The gateway's current identity: the certificate chain the hub and leaf devices see, and a
 * key manager that presents it in TLS with the private key on the token.
 *
 * <p>The service is registered only while the identity is usable: a key with an installed chain
 * on a present, logged-in token. When the token disappears or the chain is removed the service
 * is unregistered, and registered again when it recovers; consumers use a dynamic reference and
 * treat its absence as "identity unavailable" (the reason is in the identity's health report).
 * After a rotation the same service object presents the new identity; consumers need not
 * re-fetch it.
 *
 * <p>All methods are thread-safe. {@link #chain()}, {@link #info()} and {@link #gatewayId()}
 * answer from memory and never block on the token.
 */
@ProviderType
public interface GatewayIdentity {

    /** Name of Bouncy Castle's JSSE provider (bctls) for {@link #sslContext}: the upstream link's default. */
    String BCJSSE = "BCJSSE";

    /** Name of the JDK's own JSSE provider for {@link #sslContext}. */
    String SUNJSSE = "SunJSSE";

    /**
     * The name the hub knows this gateway by ({@code G} in the topic layout
     * {@code palisade/v1/G/…}): the subject CN of the current leaf certificate.
     *
     * @return the gateway id; never {@code null} or blank
     */
    String gatewayId();

    /**
     * @return the current chain, leaf first, then intermediates in issuing order, with or
     *         without the root as installed; never {@code null} or empty; unmodifiable
     */
    List<X509Certificate> chain();

    /** @return facts about the current key and leaf; never {@code null} */
    IdentityInfo info();

    /**
     * A key manager for TLS that presents the current chain and signs the handshake on the
     * token through JCA, so it works with the JDK's JSSE and with Bouncy Castle's BCJSSE (whose
     * crypto must not be pinned to one provider). It serves both roles — client (the hub link,
     * Modbus/TCP Security) and server (a later local endpoint) — and offers the identity
     * whatever issuer list the peer sends, so that a peer that does not trust it fails with an
     * alert rather than an anonymous handshake.
     *
     * <p>The returned object is shared and thread-safe, and follows rotation: each handshake
     * uses the identity current at that moment. If the token fails during a handshake, the
     * handshake fails; the key manager never falls back to another key.
     *
     * @return the key manager; never {@code null}
     */
    X509ExtendedKeyManager keyManager();

    /**
     * A new TLS context that authenticates as this gateway with {@link #keyManager()} and trusts
     * exactly the peers {@code trustManagers} accept, for mutual TLS to the hub.
     *
     * <p>The context is for protocol {@code "TLS"}: TLS 1.3 and TLS 1.2 are enabled, and the
     * client key is used for TLS 1.3's and TLS 1.2's CertificateVerify with the key on the token
     * (EC P-256/P-384 with ECDSA; RSA with RSA-PSS in TLS 1.3 and PKCS#1 v1.5 or PSS in 1.2). For
     * {@link #BCJSSE} the provider's crypto is not pinned to one JCA provider, which is the only
     * configuration in which BCJSSE can use a token key.
     *
     * <p>Hostname verification is the caller's part of the contract: a context cannot enforce
     * it, so every socket or engine made from it must get
     * {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")} before the handshake.
     *
     * @param trustManagers whom the link trusts, typically the trust service's trust manager for
     *        the hub's domain; never {@code null} or empty (there is no fallback to the JDK's
     *        default trust store, which is not a trust decision); copied
     * @param jsseProvider {@link #BCJSSE} or {@link #SUNJSSE}
     * @return a new, initialised context; each call returns a new one
     * @throws IllegalArgumentException if {@code trustManagers} is {@code null} or empty, or
     *         {@code jsseProvider} is not one of the names above
     * @throws GeneralSecurityException if the named provider is not available in this runtime
     *         (the message says which bundle or module is missing)
     * @since 1.1
     */
    SSLContext sslContext(TrustManager[] trustManagers, String jsseProvider) throws GeneralSecurityException;
}
