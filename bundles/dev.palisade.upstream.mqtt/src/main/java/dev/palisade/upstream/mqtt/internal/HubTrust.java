package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.trust.TrustService;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.function.Supplier;
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
     * @param trustService the trust service running now, or {@code null}; asked again at each check
     * @param host the host the link connects to
     * @return the trust manager for one connection attempt
     * @throws IllegalStateException naming what is missing or wrong
     */
    static X509TrustManager forHub(String domain, String anchorsFile, Supplier<TrustService> trustService, String host) {
        if (!domain.isEmpty()) {
            if (trustService.get() == null) {
                throw new IllegalStateException("hub.trust.domain is '" + domain
                        + "' but no trust service is running (is dev.palisade.trust installed and active?)");
            }
            return new HostnameCheckingTrustManager(new CurrentDomainTrustManager(trustService, domain), host,
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

    /**
     * The trust domain's manager, fetched from the trust service running at each check rather
     * than kept: the TLS connection keeps its trust manager as long as it lives, and a kept
     * manager of the trust bundle would pin that bundle's replaced revision (its class loader
     * and everything it references) after the bundle is updated, while the link stays up.
     */
    private static final class CurrentDomainTrustManager implements X509TrustManager {

        private final Supplier<TrustService> trustService;
        private final String domain;

        CurrentDomainTrustManager(Supplier<TrustService> trustService, String domain) {
            this.trustService = trustService;
            this.domain = domain;
        }

        private X509TrustManager current() throws CertificateException {
            TrustService service = trustService.get();
            if (service == null) {
                throw new CertificateException("no trust service is running to verify with trust domain '" + domain + "'");
            }
            return service.trustManager(domain, null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            current().checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            TrustService service = trustService.get();
            return service == null ? new X509Certificate[0] : service.trustManager(domain, null).getAcceptedIssuers();
        }
    }

    static String describe(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
