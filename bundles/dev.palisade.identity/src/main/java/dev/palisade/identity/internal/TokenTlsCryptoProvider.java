package dev.palisade.identity.internal;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Locale;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * BCJSSE's crypto for a link whose client key is on a token: unpinned (every algorithm comes from
 * the JCA provider list, so the token key's signature reaches SunPKCS11 through delayed provider
 * selection), with one exception that makes RSA keys usable in TLS 1.3.
 *
 * <p>Why the exception: TLS 1.3 signs with RSA only as RSA-PSS. BCJSSE decides whether it
 * supports the rsa_pss_rsae schemes by asking JCA for Bouncy Castle's algorithm name
 * {@code SHA256WITHRSAANDMGF1}, which no JDK provider offers. Without a registered Bouncy Castle
 * provider it therefore drops every RSA scheme, asks the key manager for EC and EdDSA keys only,
 * and sends an empty client Certificate; the hub answers {@code bad_certificate(42)}. When it
 * then signs, it uses the JDK name {@code RSASSA-PSS} with PSS parameters, which SunPKCS11
 * performs on the token. So only the lookup by Bouncy Castle's name needs an answer: this helper
 * gives it from a private Bouncy Castle instance (never registered in the JVM-wide provider
 * list, which would outlive this bundle) when JCA has none. Such a {@code Signature} object only
 * verifies the hub's RSA-PSS signatures in software; it never sees the token key.
 */
final class TokenTlsCryptoProvider extends JcaTlsCryptoProvider {

    private final JcaJceHelper helper = new RsaPssByBcName();

    @Override
    public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
        return new JcaTlsCrypto(helper, keyRandom, nonceRandom) {
        };
    }

    @Override
    public JcaTlsCrypto create(SecureRandom random) {
        return create(random, random);
    }

    @Override
    public JcaJceHelper getHelper() {
        return helper;
    }

    /** JCA first; Bouncy Castle's private instance only for its own RSA-PSS algorithm names. */
    private static final class RsaPssByBcName extends DefaultJcaJceHelper {

        private volatile Provider bouncyCastle;

        @Override
        public Signature createSignature(String algorithm) throws NoSuchAlgorithmException {
            try {
                return super.createSignature(algorithm);
            } catch (NoSuchAlgorithmException notInJca) {
                if (!algorithm.toUpperCase(Locale.ROOT).endsWith("WITHRSAANDMGF1")) {
                    throw notInJca;
                }
                return Signature.getInstance(algorithm, bouncyCastle());
            }
        }

        private Provider bouncyCastle() {
            Provider provider = bouncyCastle;
            if (provider == null) {
                provider = new BouncyCastleProvider();
                bouncyCastle = provider;
            }
            return provider;
        }
    }
}
