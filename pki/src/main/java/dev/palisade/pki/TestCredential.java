package dev.palisade.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A test certificate with its private key and its chain.
 *
 * @param certificate the certificate itself
 * @param key its private key
 * @param chain the certificate first, then each issuer up to and including the root; never empty
 */
public record TestCredential(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {
    public TestCredential {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(chain);
        if (chain.isEmpty() || !chain.get(0).equals(certificate)) {
            throw new IllegalArgumentException("the chain must start with the certificate itself");
        }
    }

    /** The subject's common name (the device id, the CA name or the verification code). */
    public String commonName() {
        return Names.commonName(certificate);
    }
}
