package dev.palisade.api.trust;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A chain to verify, and against what. Immutable: the encodings are copied in and out.
 *
 * <p>The chain is taken as DER encodings, not as parsed certificates, on purpose: the device
 * identity must be read from the certificate's own encoding (a parsed {@link X509Certificate}
 * may have been changed by an earlier validation, and parsed objects are cached and shared),
 * the verdict cache is keyed by the exact bytes, and malformed input must reach the verifier to
 * be rejected with {@link RejectReason#MALFORMED} rather than fail in the caller. Records
 * compare arrays by identity, so do not use requests as map keys.
 *
 * @param domain the trust domain's name; never {@code null} or blank
 * @param chain the DER encodings as presented, leaf first; never {@code null} or empty, no
 *        {@code null} element. Extra certificates beyond the path are allowed and used as
 *        candidate intermediates, as in TLS.
 * @param purpose the role the device plays; never {@code null}
 * @param validationTime the time to validate at, or {@code null} for now
 * @param expectedIdentity if non-{@code null}, the identity the device must have; a chain
 *        whose derived identity differs is rejected with {@link RejectReason#IDENTITY_MISMATCH}
 */
public record TrustRequest(String domain, List<byte[]> chain, Purpose purpose, Instant validationTime,
        String expectedIdentity) {

    /** Validates the fields and copies the encodings. */
    public TrustRequest {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(purpose, "purpose");
        if (domain.isBlank()) {
            throw new IllegalArgumentException("trust domain name is blank");
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        chain = copy(chain);
    }

    /** @return copies of the DER encodings, leaf first; unmodifiable */
    @Override
    public List<byte[]> chain() {
        return copy(chain);
    }

    /**
     * A request to validate now, with no expected identity, from parsed certificates (for
     * example those of a TLS session).
     *
     * @param domain the trust domain's name
     * @param chain the certificates as presented, leaf first
     * @param purpose the role the device plays
     * @return the request
     * @throws CertificateEncodingException if a certificate cannot be encoded
     */
    public static TrustRequest of(String domain, List<X509Certificate> chain, Purpose purpose)
            throws CertificateEncodingException {
        List<byte[]> der = new ArrayList<>(chain.size());
        for (X509Certificate certificate : chain) {
            der.add(certificate.getEncoded());
        }
        return new TrustRequest(domain, der, purpose, null, null);
    }

    private static List<byte[]> copy(List<byte[]> chain) {
        List<byte[]> copy = new ArrayList<>(chain.size());
        for (byte[] der : chain) {
            copy.add(Objects.requireNonNull(der, "certificate encoding").clone());
        }
        return List.copyOf(copy);
    }
}
