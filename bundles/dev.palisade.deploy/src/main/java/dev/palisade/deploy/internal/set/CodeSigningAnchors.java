package dev.palisade.deploy.internal.set;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads code-signing anchors: every certificate in a PEM/DER file, or in each {@code .pem},
 * {@code .cer} or {@code .crt} file of a directory. Kept apart from the device and hub anchors
 * (the trust bundle's domains): a device CA never gains the right to publish code, nor the reverse.
 */
public final class CodeSigningAnchors {
    private CodeSigningAnchors() {
    }

    /**
     * @param location a file or directory; a directory that does not exist holds no anchors
     * @return the anchors, possibly empty
     * @throws IOException if a file is unreadable or not a certificate (the message names it)
     */
    public static List<X509Certificate> load(Path location) throws IOException {
        List<X509Certificate> anchors = new ArrayList<>();
        if (Files.isDirectory(location)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(location)) {
                files = list.filter(p -> p.getFileName().toString().matches(".*\\.(pem|cer|crt)"))
                        .filter(Files::isRegularFile).sorted().toList();
            }
            for (Path file : files) {
                anchors.addAll(read(file));
            }
        } else if (Files.exists(location)) {
            anchors.addAll(read(location));
        }
        return anchors;
    }

    private static List<X509Certificate> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new IOException("code-signing anchor file " + file + " holds no certificate");
            }
            return certs;
        } catch (CertificateException e) {
            throw new IOException("code-signing anchor file " + file + " is not a PEM or DER certificate: "
                    + e.getMessage(), e);
        }
    }
}
