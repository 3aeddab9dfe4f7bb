package dev.palisade.identity.internal;

import dev.palisade.api.identity.GatewayIdentity;
import java.security.GeneralSecurityException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Builds the {@link SSLContext} of a TLS link that authenticates with the gateway's key on the
 * token: the identity's key manager plus the trust managers the link names, in the JDK's JSSE or
 * Bouncy Castle's BCJSSE.
 *
 * <p>BCJSSE works with a token key only when its crypto is <b>not</b> pinned to one provider
 * ({@code new BouncyCastleJsseProvider()} with its default {@code JcaTlsCryptoProvider}), as
 * measured in shared/research/pkcs11-tls.md §4: pinned to "BC" it cannot use a token key
 * ("no encoding for EC private key"); pinned to the PKCS#11 provider the token refuses the
 * ECDHE derivation. Unpinned, the CertificateVerify signature reaches SunPKCS11 through JCA's
 * delayed provider selection, so the private key never leaves the token. This class therefore
 * makes its own unpinned instance and never takes one from the caller.
 *
 * <p>The caller keeps hostname verification on: set the endpoint identification algorithm
 * ({@code "HTTPS"}) in the socket's or engine's {@code SSLParameters}.
 */
final class GatewayTls {

    /** Made on first use: most gateways never build a BCJSSE context in this bundle's lifetime. */
    private volatile Provider bcjsse;

    /**
     * @param keyManager the gateway identity's key manager
     * @param trustManagers whom the link trusts; never {@code null} or empty (a {@code null}
     *        would silently fall back to the JDK's default trust store)
     * @param jsse {@link GatewayIdentity#BCJSSE} or {@link GatewayIdentity#SUNJSSE}
     * @return an initialised context for "TLS" (TLS 1.3 and 1.2)
     * @throws GeneralSecurityException if the provider has no TLS context
     */
    SSLContext sslContext(X509ExtendedKeyManager keyManager, TrustManager[] trustManagers, String jsse)
            throws GeneralSecurityException {
        Objects.requireNonNull(keyManager, "keyManager");
        if (trustManagers == null || trustManagers.length == 0) {
            throw new IllegalArgumentException("name the trust managers of the link; the JDK's default trust store"
                    + " is not a trust decision");
        }
        for (TrustManager trustManager : trustManagers) {
            Objects.requireNonNull(trustManager, "trustManagers must not hold null");
        }
        SSLContext context = SSLContext.getInstance("TLS", provider(jsse));
        // An explicit SecureRandom: with null, BCJSSE asks JCA for a "DEFAULT" SecureRandom, which only
        // Bouncy Castle's own provider offers, and fails when that provider is not registered.
        context.init(new KeyManager[] {keyManager}, trustManagers.clone(), new SecureRandom());
        return context;
    }

    private Provider provider(String jsse) throws GeneralSecurityException {
        if (GatewayIdentity.BCJSSE.equals(jsse)) {
            Provider provider = bcjsse;
            if (provider == null) {
                try {
                    provider = new BouncyCastleJsseProvider(false, new TokenTlsCryptoProvider());
                } catch (LinkageError missing) {
                    throw new NoSuchProviderException("BCJSSE is not available: install the bctls-jdk18on bundle ("
                            + missing + ")");
                }
                bcjsse = provider;
            }
            return provider;
        }
        if (GatewayIdentity.SUNJSSE.equals(jsse)) {
            Provider provider = Security.getProvider(GatewayIdentity.SUNJSSE);
            if (provider == null) {
                throw new NoSuchProviderException("SunJSSE is not registered in this Java runtime");
            }
            return provider;
        }
        throw new IllegalArgumentException("unknown JSSE provider '" + jsse + "': use " + GatewayIdentity.BCJSSE
                + " or " + GatewayIdentity.SUNJSSE);
    }
}
