package dev.palisade.enroll.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;

/**
 * {@code palisade:children csr} and {@code install}: a custodial child's key on the gateway's
 * token, and its certificate from the integrator's CA (docs/enrollment.md).
 */
final class Custodial {

    private Custodial() {
    }

    static String csr(EnrollmentComponent e, String[] args) throws Exception {
        String child = args[1];
        Path out = null;
        if (args.length == 4 && args[2].equals("--out")) {
            out = Path.of(args[3]);
        } else if (args.length != 2) {
            throw new IllegalArgumentException(ChildrenCommand.USAGE);
        }
        String pem = keys(e).csr(child, KeyType.EC_P256);
        if (out == null) {
            return pem.strip();
        }
        Files.writeString(out, pem);
        return "wrote the certificate request for child '" + child + "' (CN=" + child + ", key on the gateway's token) to "
                + out + "\nhave the integrator's CA issue it (clientAuth), then: palisade:children install " + child + " CHAIN.pem";
    }

    static String install(EnrollmentComponent e, String child, String file, ChildrenCommand command) throws Exception {
        List<X509Certificate> chain = read(Path.of(file));
        IdentityInfo info = keys(e).install(child, chain);
        String done = "installed the certificate of child '" + child + "' (issuer " + info.issuer().getName() + ", valid until "
                + info.notAfter() + ")";
        if (e.child(child).isEmpty()) {
            return done + "\nno device '" + child + "' is configured yet: it is enrolled once it is";
        }
        return done + "\n" + ChildrenCommand.render(List.of(ChildrenCommand.await(e.installed(child).toCompletableFuture(),
                e.settings().requestTimeout().toSeconds() * 3 + 10)), e::lastAttempt, null);
    }

    private static CustodialKeys keys(EnrollmentComponent e) {
        CustodialKeys keys = e.custodialKeys();
        if (keys == null) {
            throw new IllegalStateException("no gateway keystore is configured (see palisade:identity): custodial children's"
                    + " keys live on the gateway's token");
        }
        return keys;
    }

    private static List<X509Certificate> read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("cannot read the chain file " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> chain.add((X509Certificate) c));
            if (chain.isEmpty()) {
                throw new IOException(file + " holds no certificate (expected PEM, leaf first)");
            }
            return chain;
        } catch (CertificateException ex) {
            throw new IOException(file + " is not a PEM certificate list: " + ex.getMessage(), ex);
        }
    }
}
