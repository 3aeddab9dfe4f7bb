package dev.palisade.api.identity;

import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A signature and what is needed to verify it. Immutable: the bytes are copied in and out.
 *
 * <p>Named after X.509's {@code signatureValue} to avoid a clash with
 * {@link java.security.Signature} in implementations.
 *
 * @param algorithm JCA name of the algorithm the signature was made with, for example
 *        {@code "SHA256withECDSA"}; never {@code null} or blank. ECDSA signatures are in the
 *        JCA's DER encoding ({@code SEQUENCE {r, s}}).
 * @param value the signature bytes; never {@code null} or empty
 * @param certificate the certificate whose public key verifies the signature — the key that
 *        actually signed, which matters while a key is being rotated; never {@code null}
 */
public record SignatureValue(String algorithm, byte[] value, X509Certificate certificate) {

    /** Validates the fields and copies the bytes. */
    public SignatureValue {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(certificate, "certificate");
        if (algorithm.isBlank()) {
            throw new IllegalArgumentException("signature algorithm is blank");
        }
        if (value.length == 0) {
            throw new IllegalArgumentException("signature value is empty");
        }
        value = value.clone();
    }

    /** @return a copy of the signature bytes */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /** @return algorithm, length and signer subject; never the bytes */
    @Override
    public String toString() {
        return "SignatureValue[" + algorithm + ", " + value.length + " bytes, by "
                + certificate.getSubjectX500Principal().getName() + "]";
    }
}
