package dev.palisade.identity.internal;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Builds the {@link SSLContext} of a TLS link that authenticates with the gateway's key on the
 * token: the identity's key manager plus the trust managers the link names.
 *
 * <p>Works with the JDK's JSSE and with Bouncy Castle's BCJSSE as measured in
 * shared/research/pkcs11-tls.md §4, under one condition this class cannot check: BCJSSE's
 * crypto must <b>not</b> be pinned to one provider ({@code new BouncyCastleJsseProvider()}
 * with its default {@code JcaTlsCryptoProvider}). Pinned to "BC" it cannot use a token key
 * ("no encoding for EC private key"); pinned to the PKCS#11 provider the token refuses the
 * ECDHE derivation. Unpinned, the CertificateVerify signature reaches SunPKCS11 through JCA's
 * delayed provider selection, so the private key never leaves the token.
 *
 * <p>The caller keeps hostname verification on: set the endpoint identification algorithm
 * ({@code "HTTPS"}) in the socket's or engine's {@code SSLParameters}.
 */
final class GatewayTls {

    private GatewayTls() {
    }

    /**
     * @param keyManager the gateway identity's key manager
     * @param trustManagers whom the link trusts; never {@code null} or empty (a {@code null}
     *        would silently fall back to the JDK's default trust store)
     * @param jsse the JSSE provider, for example an unpinned {@code BouncyCastleJsseProvider};
     *        {@code null} for the JDK's default (SunJSSE)
     * @return an initialised context for "TLS" (TLS 1.3 and 1.2)
     * @throws GeneralSecurityException if the provider has no TLS context
     */
    static SSLContext sslContext(X509ExtendedKeyManager keyManager, TrustManager[] trustManagers, Provider jsse)
            throws GeneralSecurityException {
        Objects.requireNonNull(keyManager, "keyManager");
        if (trustManagers == null || trustManagers.length == 0) {
            throw new IllegalArgumentException("name the trust managers of the link; the JDK's default trust store"
                    + " is not a trust decision");
        }
        SSLContext context = jsse != null ? SSLContext.getInstance("TLS", jsse) : SSLContext.getInstance("TLS");
        // An explicit SecureRandom: with null, BCJSSE asks JCA for a "DEFAULT" SecureRandom, which only
        // Bouncy Castle's own provider offers, and fails when that provider is not registered.
        context.init(new KeyManager[] {keyManager}, trustManagers.clone(), new SecureRandom());
        return context;
    }
}
