package dev.palisade.pki;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads an unencrypted PEM private key (PKCS#8 {@code PRIVATE KEY}, or OpenSSL's traditional
 * {@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY}), so that a CA made with openssl can sign
 * verification certificates without being converted to PKCS#12 first.
 */
public final class PemKeys {
    private PemKeys() {
    }

    public static PrivateKey read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a readable unencrypted PEM private key: " + e.getMessage(), e);
        }
        throw new IOException(file + " holds no unencrypted PEM private key (an encrypted key must be decrypted"
                + " first, or use the CA's .pfx)");
    }
}
