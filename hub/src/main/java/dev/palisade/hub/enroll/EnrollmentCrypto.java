package dev.palisade.hub.enroll;

import java.io.ByteArrayInputStream;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The elliptic-curve work of enrollment on Bouncy Castle instead of SunEC. One P-256 signature
 * verification per child is most of the hub's enrollment cost (a JFR profile: 82 % of its
 * enrollment thread in SunEC's {@code ECDSASignature.engineVerify}), and Bouncy Castle's provider
 * verifies P-256 about 4–5× faster than SunEC on JDK 17 ({@code bench/enroll/verify.sh},
 * docs/benchmarks.md). The provider is an instance private to the hub's enrollment, never
 * registered with {@link java.security.Security}: nothing else in the process changes provider.
 *
 * <p>Certificates decoded here are Bouncy Castle's; their public keys verify the children's
 * proofs, and the chain check validates them with this provider's PKIX validator (RFC 5280 path
 * validation, as the JDK's): the JDK's validator asks the platform's preferred provider for each
 * certificate's signature even when given Bouncy Castle certificates, so it would keep SunEC's cost.
 */
final class EnrollmentCrypto {
    /** Thread-safe: a provider only hands out new engine instances. */
    static final Provider PROVIDER = new BouncyCastleProvider();

    private EnrollmentCrypto() {
    }

    /** @return the certificates of {@code chainDer}, in order, as Bouncy Castle objects */
    static List<X509Certificate> decode(List<byte[]> chainDer) throws CertificateException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509", PROVIDER);
        List<X509Certificate> chain = new ArrayList<>(chainDer.size());
        for (byte[] der : chainDer) {
            X509Certificate c = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
            if (c == null) { // Bouncy Castle answers null, not an exception, for an empty input
                throw new CertificateException("empty certificate");
            }
            chain.add(c);
        }
        return chain;
    }
}
