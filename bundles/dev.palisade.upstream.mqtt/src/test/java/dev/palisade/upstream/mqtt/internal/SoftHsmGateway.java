package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.testkit.SoftHsmTestToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * The gateway's side for the link tests: an EC P-256 key generated on a fresh SoftHSM2 token
 * (through SunPKCS11, never leaving it), a certificate for it from the test PKI, and a
 * {@link GatewayIdentity} that builds BCJSSE or SunJSSE contexts with it — what the identity
 * bundle provides, reduced to what the link uses (the link bundle must not depend on the
 * identity bundle's internals; the Pax Exam test in gateway-distro uses the real one).
 *
 * <p>SoftHSM reads {@code SOFTHSM2_CONF} once per JVM: {@link SoftHsmTestToken} writes it and a
 * fresh token before the library is loaded. A missing SoftHSM2 fails the test with the package
 * to install.
 */
final class SoftHsmGateway implements GatewayIdentity {

    private static SoftHsmGateway instance;

    private final String gatewayId;
    private final PrivateKey key;
    private final List<X509Certificate> chain;

    private SoftHsmGateway(String gatewayId, PrivateKey key, List<X509Certificate> chain) {
        this.gatewayId = gatewayId;
        this.key = key;
        this.chain = chain;
    }

    /** @return the token-backed gateway {@code gw-test}, its certificate issued by {@code pki} on first use */
    static synchronized SoftHsmGateway get(TestPki pki) {
        if (instance == null) {
            KeyPair keys = tokenKeys();
            instance = new SoftHsmGateway("gw-test", keys.getPrivate(),
                    List.of(pki.client(keys.getPublic(), "gw-test"), pki.ca));
        }
        return instance;
    }

    private static KeyPair tokenKeys() {
        String pin = SoftHsmTestToken.randomDigits(9);
        Path directory = SoftHsmTestToken.initFresh("link-test", SoftHsmTestToken.randomDigits(10), pin);
        try {
            Path p11 = directory.resolve("pkcs11.cfg");
            Files.writeString(p11, "name = link-test\nlibrary = " + SoftHsmTestToken.library() + "\nslotListIndex = 0\n");
            Provider provider = Security.getProvider("SunPKCS11").configure(p11.toString());
            // Registered so that JCA's delayed provider selection sends the TLS signature to the token.
            Security.addProvider(provider);
            KeyStore token = KeyStore.getInstance("PKCS11", provider);
            token.load(null, pin.toCharArray());
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new AssertionError("cannot make a key on the SoftHSM2 token: " + e, e);
        }
    }

    @Override
    public String gatewayId() {
        return gatewayId;
    }

    @Override
    public List<X509Certificate> chain() {
        return chain;
    }

    @Override
    public IdentityInfo info() {
        throw new UnsupportedOperationException("the link does not read IdentityInfo");
    }

    @Override
    public X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"gw"};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "gw";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return "gw";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain.toArray(X509Certificate[]::new);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
    }

    @Override
    public SSLContext sslContext(TrustManager[] trustManagers, String jsseProvider) throws GeneralSecurityException {
        SSLContext context = BCJSSE.equals(jsseProvider)
                ? SSLContext.getInstance("TLS", new BouncyCastleJsseProvider())
                : SSLContext.getInstance("TLS", SUNJSSE);
        context.init(new KeyManager[] {keyManager()}, trustManagers.clone(), new SecureRandom());
        return context;
    }
}
