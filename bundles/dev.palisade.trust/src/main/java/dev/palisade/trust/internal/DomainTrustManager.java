package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RejectedCertificateException;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.net.Socket;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of {@link TrustService#trustManager}: the peer's chain goes through
 * {@link TrustService#verify} as DER, with the purpose given by the side. No host-name check on
 * purpose: the device identity matched against the expected one takes its place.
 */
final class DomainTrustManager extends X509ExtendedTrustManager {

    private final TrustService service;
    private final String domain;
    private final String expectedIdentity;

    DomainTrustManager(TrustService service, String domain, String expectedIdentity) {
        this.service = service;
        this.domain = domain;
        this.expectedIdentity = expectedIdentity;
    }

    private void check(X509Certificate[] chain, Purpose purpose) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new RejectedCertificateException(Verdict.reject(RejectReason.MALFORMED, -1, "the peer presented no certificate"));
        }
        List<byte[]> der = new ArrayList<>(chain.length);
        for (int i = 0; i < chain.length; i++) {
            try {
                der.add(chain[i].getEncoded());
            } catch (CertificateEncodingException e) {
                throw new RejectedCertificateException(Verdict.reject(RejectReason.MALFORMED, i,
                        "certificate " + i + " cannot be encoded: " + Text.safe(e.getMessage())));
            }
        }
        Verdict verdict = service.verify(new TrustRequest(domain, der, purpose, null, expectedIdentity));
        if (!verdict.accepted()) {
            throw new RejectedCertificateException(verdict);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, Purpose.CLIENT);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, Purpose.CLIENT);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, Purpose.CLIENT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, Purpose.SERVER);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, Purpose.SERVER);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, Purpose.SERVER);
    }

    /** The domain's anchors as they are now (they tell a TLS client which CAs the gateway accepts). */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return service.domain(domain).map(TrustDomainInfo::anchors).orElse(List.of()).toArray(new X509Certificate[0]);
    }
}
