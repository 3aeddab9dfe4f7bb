package dev.palisade.identity.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the gateway's current chain in TLS and hands the JSSE the token key, which signs the
 * handshake through JCA's delayed provider selection (SunPKCS11 takes keys it owns). It never
 * holds another key, so it cannot fall back to one. Each call reads the current key afresh, so
 * a newly installed chain is used from the next handshake on.
 *
 * <p>The peer's list of acceptable issuers is deliberately ignored: a gateway has one identity,
 * and a hub that does not trust it should fail the handshake with an alert the operator can
 * see, not receive an anonymous client.
 */
final class TokenKeyManager extends X509ExtendedKeyManager {

    /** The only alias this key manager knows. */
    static final String ALIAS = "palisade-gateway";

    private final Supplier<CurrentKey> current;

    TokenKeyManager(Supplier<CurrentKey> current) {
        this.current = current;
    }

    /**
     * Whether the current key fits a key type the JSSE asks for. The providers name key types
     * differently:
     * <ul>
     * <li>SunJSSE asks for the key algorithm ({@code "EC"}, {@code "RSA"}), and as a TLS 1.2
     * server for {@code "EC_EC"}-style types;</li>
     * <li>BCJSSE over TLS 1.3 asks for the key algorithm <i>and curve</i> of each signature
     * scheme it may use ({@code "EC/secp256r1"}, {@code "EC/secp384r1"}, ...), one at a time.
     * A key manager that only understands {@code "EC"} answers none of them and BCJSSE sends
     * an empty Certificate message, which the server refuses with {@code bad_certificate(42)}
     * ("Empty client certificate chain"): the failure this method was fixed for.</li>
     * </ul>
     * A curve-qualified type matches only a key on that curve, because TLS 1.3 binds the curve to
     * the signature scheme (ecdsa_secp256r1_sha256 needs a P-256 key).
     */
    private boolean matches(String keyType) {
        CurrentKey key = current.get();
        if (key == null || !key.installed() || keyType == null) {
            return false;
        }
        String algorithm = key.key().getAlgorithm();
        int slash = keyType.indexOf('/');
        if (slash >= 0) {
            return keyType.substring(0, slash).equals(algorithm)
                    && keyType.substring(slash + 1).equalsIgnoreCase(String.valueOf(key.type().curve()));
        }
        return keyType.equals(algorithm) || keyType.startsWith(algorithm + "_");
    }

    private String choose(String[] keyTypes) {
        if (keyTypes != null) {
            for (String keyType : keyTypes) {
                if (matches(keyType)) {
                    return ALIAS;
                }
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CurrentKey key = current.get();
        return ALIAS.equals(alias) && key != null && key.installed() ? key.chain().toArray(new X509Certificate[0]) : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CurrentKey key = current.get();
        return ALIAS.equals(alias) && key != null && key.installed() ? key.key() : null;
    }
}
