package dev.palisade.bus.modbus.internal;

import dev.palisade.api.trust.RejectedCertificateException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ChannelBinding;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The gateway's side of one Modbus/TCP Security handshake, in Bouncy Castle's TLS API (bctls):
 * TLS 1.3 or 1.2, the gateway's certificate and CertificateVerify signature from the identity
 * service's key manager (the private key is a token handle; the signature reaches the token
 * through JCA), the device's chain decided by the trust service's trust manager, and the
 * session binding taken when the handshake completes.
 *
 * <p>Why not a JSSE socket: neither the JDK 17's SunJSSE nor Bouncy Castle's JSSE 1.84 can
 * export keying material after the handshake (BCJSSE clears the exporter secret as the
 * handshake ends and offers no hook before that); the TLS API calls
 * {@link #notifyHandshakeComplete()} while the secret is still there.
 */
final class GatewayTlsClient extends DefaultTlsClient {

    private final X509ExtendedKeyManager keyManager;
    private final X509TrustManager trustManager;
    private final JcaTlsCrypto jca;

    /** The device's chain as the trust manager accepted it (empty until then). */
    private volatile List<X509Certificate> peerChain = List.of();
    /** The trust service's refusal, when it refused the device. */
    private volatile RejectedCertificateException rejection;
    private volatile byte[] binding = new byte[0];
    private volatile String bindingProblem;

    GatewayTlsClient(JcaTlsCrypto crypto, X509ExtendedKeyManager keyManager, X509TrustManager trustManager) {
        super(crypto);
        this.jca = crypto;
        this.keyManager = keyManager;
        this.trustManager = trustManager;
    }

    /**
     * AEAD suites only: TLS 1.3's, and TLS 1.2's with ECDHE (forward secrecy) and AES-GCM or
     * ChaCha20-Poly1305. No CBC, no static RSA key exchange, no NULL encryption
     * (docs/modbus.md explains the choice against the older suites the Modbus specification lists).
     */
    static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    };

    @Override
    protected int[] getSupportedCipherSuites() {
        return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
    }

    /** TLS 1.3 and 1.2 only: MB-TCP-Security forbids anything older. */
    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                List<X509Certificate> chain = x509(serverCertificate.getCertificate());
                if (chain.isEmpty()) {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, "the device presented no certificate");
                }
                try {
                    trustManager.checkServerTrusted(chain.toArray(new X509Certificate[0]), "UNKNOWN");
                } catch (RejectedCertificateException e) {
                    rejection = e;
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage(), e);
                } catch (CertificateException e) {
                    throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage(), e);
                }
                peerChain = List.copyOf(chain);
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                return credentials(request);
            }
        };
    }

    /** The identity's certificate and a signer with its token key, in a scheme the device accepts. */
    private TlsCredentials credentials(CertificateRequest request) throws IOException {
        String alias = keyManager.chooseClientAlias(new String[] {"EC", "RSA"}, null, null);
        X509Certificate[] chain = alias == null ? null : keyManager.getCertificateChain(alias);
        PrivateKey key = alias == null ? null : keyManager.getPrivateKey(alias);
        if (chain == null || chain.length == 0 || key == null) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "the gateway identity offers no certificate and key");
        }
        boolean tls13 = TlsUtils.isTLSv13(context);
        SignatureAndHashAlgorithm scheme = scheme(chain[0], tls13, request.getSupportedSignatureAlgorithms());
        if (scheme == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "the device accepts no signature scheme for the"
                    + " gateway's " + chain[0].getPublicKey().getAlgorithm() + " key");
        }
        TlsCertificate[] certificates = new TlsCertificate[chain.length];
        try {
            for (int i = 0; i < chain.length; i++) {
                certificates[i] = jca.createCertificate(chain[i].getEncoded());
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "cannot encode the gateway certificate", e);
        }
        Certificate certificate;
        if (tls13) {
            CertificateEntry[] entries = new CertificateEntry[certificates.length];
            for (int i = 0; i < certificates.length; i++) {
                entries[i] = new CertificateEntry(certificates[i], null);
            }
            certificate = new Certificate(request.getCertificateRequestContext(), entries);
        } else {
            certificate = new Certificate(certificates);
        }
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), jca, key, certificate, scheme);
    }

    /**
     * EC P-256/P-384/P-521: ECDSA with SHA-256/384/512 (TLS 1.3 binds the curve to its hash:
     * ecdsa_secp521r1_sha512); RSA: RSA-PSS (required in TLS 1.3), else PKCS#1 v1.5 with SHA-256
     * in TLS 1.2. The first of those the device lists.
     */
    private static SignatureAndHashAlgorithm scheme(X509Certificate leaf, boolean tls13, Vector<?> offered) {
        List<SignatureAndHashAlgorithm> wanted = new ArrayList<>();
        if (leaf.getPublicKey() instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            wanted.add(SignatureAndHashAlgorithm.getInstance(ecdsaHash(bits), SignatureAlgorithm.ecdsa));
        } else if ("RSA".equals(leaf.getPublicKey().getAlgorithm())) {
            wanted.add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha256);
            if (!tls13) {
                wanted.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa));
            }
        }
        for (SignatureAndHashAlgorithm candidate : wanted) {
            if (offered == null || offered.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** @return the hash TLS pairs with an ECDSA key on a curve of this size */
    static short ecdsaHash(int curveBits) {
        return curveBits > 384 ? HashAlgorithm.sha512 : curveBits > 256 ? HashAlgorithm.sha384 : HashAlgorithm.sha256;
    }

    /** The binding, while the exporter secret still exists (BC clears it right after this call). */
    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        try {
            binding = context.exportChannelBinding(ChannelBinding.tls_exporter);
        } catch (IllegalStateException | UnsupportedOperationException e) {
            // TLS 1.2 without the extended master secret: RFC 9266 forbids the exporter there.
            bindingProblem = e.getMessage();
        }
    }

    private static List<X509Certificate> x509(Certificate certificate) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (TlsCertificate c : certificate.getCertificateList()) {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(c.getEncoded())));
            }
        } catch (CertificateException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "the device's certificate does not parse", e);
        }
        return chain;
    }

    List<X509Certificate> peerChain() {
        return peerChain;
    }

    RejectedCertificateException rejection() {
        return rejection;
    }

    /** @return the RFC 9266 tls-exporter binding, 32 bytes; empty if the session has no exporter */
    byte[] binding() {
        return binding.clone();
    }

    /** @return why {@link #binding()} is empty, or null */
    String bindingProblem() {
        return bindingProblem;
    }

    /** @return "TLSv1.3" or "TLSv1.2" after the handshake */
    String protocol() {
        ProtocolVersion version = context.getServerVersion();
        return version == null ? "?" : version.getName();
    }
}
