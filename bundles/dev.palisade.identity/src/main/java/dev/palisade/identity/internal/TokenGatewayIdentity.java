package dev.palisade.identity.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.IdentityInfo;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/** {@link GatewayIdentity} over the current key; answers from memory, never from the token. */
final class TokenGatewayIdentity implements GatewayIdentity {

    private final Supplier<CurrentKey> current;
    private final TokenKeyManager keyManager;
    private final GatewayTls tls = new GatewayTls();

    TokenGatewayIdentity(Supplier<CurrentKey> current) {
        this.current = current;
        this.keyManager = new TokenKeyManager(current);
    }

    private CurrentKey key() {
        CurrentKey key = current.get();
        if (key == null || !key.installed()) {
            // Only reachable by a consumer that kept the service after it was unregistered.
            throw new IllegalStateException("the gateway identity is unavailable (see palisade:status for the reason)");
        }
        return key;
    }

    @Override
    public String gatewayId() {
        return Certificates.commonName(key().info().subject());
    }

    @Override
    public List<X509Certificate> chain() {
        return key().chain();
    }

    @Override
    public IdentityInfo info() {
        return key().info();
    }

    @Override
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    @Override
    public SSLContext sslContext(TrustManager[] trustManagers, String jsseProvider) throws GeneralSecurityException {
        return tls.sslContext(keyManager, trustManagers, jsseProvider);
    }
}
