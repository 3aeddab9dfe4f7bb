package dev.palisade.trust.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Base64;

/** Writes PEM files for domain tests, bumping the modification time so every rewrite is seen as a change. */
final class TrustFiles {

    private TrustFiles() {
    }

    static String pem(String label, byte[]... blocks) {
        StringBuilder out = new StringBuilder();
        for (byte[] der : blocks) {
            out.append("-----BEGIN ").append(label).append("-----\n")
                    .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der))
                    .append("\n-----END ").append(label).append("-----\n");
        }
        return out.toString();
    }

    static Path write(Path file, String text) {
        try {
            FileTime before = Files.exists(file) ? Files.getLastModifiedTime(file) : null;
            Files.writeString(file, text, StandardCharsets.US_ASCII);
            if (before != null) {
                // Same size and a coarse clock must not hide a rewrite from the mtime/size check.
                Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(10)));
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path certificates(Path file, TestPki.Issued... certs) {
        byte[][] der = new byte[certs.length][];
        for (int i = 0; i < certs.length; i++) {
            der[i] = certs[i].der();
        }
        return write(file, pem("CERTIFICATE", der));
    }

    static Path crl(Path file, byte[] crl) {
        return write(file, pem("X509 CRL", crl));
    }

    static Instant now() {
        return TestPki.NOW;
    }
}
