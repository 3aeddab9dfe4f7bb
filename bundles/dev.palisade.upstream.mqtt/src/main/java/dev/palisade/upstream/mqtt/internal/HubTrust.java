package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.trust.TrustService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Whom the link trusts as the hub: either a trust domain of the trust service
 * ({@code hub.trust.domain}, the preferred way: anchors, CRLs and deny-list managed in one place)
 * or a PEM file of anchors ({@code hub.trust.anchors}: PKIX with exactly those anchors, nothing
 * from the JDK's cacerts). Either way the leaf must also name the host (see
 * {@link HostnameCheckingTrustManager}). There is no trust-all path: no anchors, no connection.
 */
final class HubTrust {

    private HubTrust() {
    }

    /**
     * @param domain {@code hub.trust.domain}, may be empty
     * @param anchorsFile {@code hub.trust.anchors}, may be empty
     * @param trustService the trust service if present, or {@code null}
     * @param host the host the link connects to
     * @return the trust manager for one connection attempt
     * @throws IllegalStateException naming what is missing or wrong
     */
    static X509TrustManager forHub(String domain, String anchorsFile, TrustService trustService, String host) {
        if (!domain.isEmpty()) {
            if (trustService == null) {
                throw new IllegalStateException("hub.trust.domain is '" + domain
                        + "' but no trust service is running (is dev.palisade.trust installed and active?)");
            }
            return new HostnameCheckingTrustManager(trustService.trustManager(domain, null), host,
                    "trust domain '" + domain + "'");
        }
        if (anchorsFile.isEmpty()) {
            throw new IllegalStateException("neither hub.trust.domain nor hub.trust.anchors is configured:"
                    + " the link will not connect to a hub it cannot verify");
        }
        return new HostnameCheckingTrustManager(pkix(Path.of(anchorsFile)), host, "the anchors in " + anchorsFile);
    }

    /** @return a PKIX trust manager whose only anchors are the certificates in {@code pem} */
    static X509TrustManager pkix(Path pem) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read hub.trust.anchors " + pem + ": " + e, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("hub.trust.anchors " + pem + " is not a PEM file of certificates: "
                    + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalStateException("hub.trust.anchors " + pem + " holds no certificate");
        }
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                anchors.setCertificateEntry("anchor-" + i++, certificate);
            }
            // The default provider's PKIX manager with an explicit keystore: these anchors only.
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the PKIX trust manager factory returned no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager from hub.trust.anchors " + pem + ": " + e, e);
        }
    }

    static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
