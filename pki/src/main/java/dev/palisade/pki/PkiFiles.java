package dev.palisade.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Reading and writing certificates (PEM {@code .cer}) and credentials (PKCS#12 {@code .pfx}).
 * Every file written is replaced atomically, and the PEM files carry a text header saying
 * that they are for testing.
 */
public final class PkiFiles {
    /** The friendly name of the key entry in every {@code .pfx} this tool writes. */
    public static final String ALIAS = "palisade-test";
    private static final String PEM_NOTICE = """
            # Palisade test certificate - FOR TESTING ONLY, not for production.
            # Made by `palisade pki`; the private key of every CA it makes sits in a file.
            """;

    private PkiFiles() {
    }

    /** Writes certificates as PEM, first certificate first, under a "for testing" notice. */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) throws IOException {
        StringBuilder pem = new StringBuilder(PEM_NOTICE);
        Base64.Encoder encoder = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate cert : certificates) {
            pem.append("# subject: ").append(cert.getSubjectX500Principal().getName()).append('\n');
            pem.append("-----BEGIN CERTIFICATE-----\n");
            try {
                pem.append(encoder.encodeToString(cert.getEncoded())).append('\n');
            } catch (CertificateException e) {
                throw new IOException("cannot encode " + cert.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
            pem.append("-----END CERTIFICATE-----\n");
        }
        writeAtomically(file, pem.toString().getBytes(StandardCharsets.US_ASCII), false);
    }

    /**
     * Reads every certificate in a PEM or DER file.
     *
     * @throws IOException naming the file when it cannot be read or holds no certificate
     */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return parseCertificates(bytes, file.toString());
    }

    /** Parses every certificate in PEM or DER bytes; {@code source} names them in errors. */
    public static List<X509Certificate> parseCertificates(byte[] bytes, String source) throws IOException {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                int from = 0;
                while ((from = text.indexOf("-----BEGIN CERTIFICATE-----", from)) >= 0) {
                    int end = text.indexOf("-----END CERTIFICATE-----", from);
                    if (end < 0) {
                        throw new IOException(source + ": a PEM certificate block has no END line");
                    }
                    String body = text.substring(from + "-----BEGIN CERTIFICATE-----".length(), end);
                    byte[] der = Base64.getMimeDecoder().decode(body);
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                    from = end;
                }
            } else {
                try (InputStream in = new ByteArrayInputStream(bytes)) {
                    for (Certificate c : factory.generateCertificates(in)) {
                        certs.add((X509Certificate) c);
                    }
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IOException(source + " is not a readable X.509 certificate (PEM or DER): " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(source + " holds no certificate");
        }
        return certs;
    }

    /** Writes a password-protected PKCS#12 file (mode 0600) with the key and its chain. */
    public static void writePkcs12(Path file, TestCredential credential, char[] password) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, credential.key(), password,
                    credential.chain().toArray(new X509Certificate[0]));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            store.store(out, password);
            writeAtomically(file, out.toByteArray(), true);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a PKCS#12 file written by {@link #writePkcs12} (or any with exactly one key entry).
     *
     * @throws IOException naming the file for a wrong password or a file without a key
     */
    public static TestCredential readPkcs12(Path file, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            for (String alias : java.util.Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, password);
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate c : store.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                    return new TestCredential(chain.get(0), key, chain);
                }
            }
            throw new IOException(file + " holds no private key entry");
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException || String.valueOf(e.getMessage())
                    .contains("password")) {
                throw new IOException(file + ": wrong password, or not a PKCS#12 file", e);
            }
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": cannot read the PKCS#12 file: " + e.getMessage(), e);
        }
    }

    /** SHA-256 over the DER encoding, lower-case hex: the thumbprint the hub registers. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 over a certificate failed: " + e, e);
        }
    }

    private static void writeAtomically(Path file, byte[] content, boolean secret) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            if (secret) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(content);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
