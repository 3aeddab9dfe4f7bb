package dev.palisade.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiMainTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final Map<String, String> env = Map.of(PkiMain.PASSWORD_ENV, "test-secret");

    int run(String... args) {
        return new PkiMain(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env).run(args);
    }

    @Test
    void rootIntermediateGatewayChainValidatesAndSaysTestOnly() throws Exception {
        String o = dir.toString();
        assertEquals(0, run("root", "Plant-Root", "--out", o));
        assertEquals(0, run("intermediate", "Plant-Issuing", "--ca", o + "/Plant-Root.pfx", "--out", o));
        assertEquals(0, run("gateway", "gw-001", "--ca", o + "/Plant-Issuing.pfx", "--out", o), err.toString());

        List<X509Certificate> chain = PkiFiles.readCertificates(dir.resolve("gw-001.cer"));
        assertEquals(3, chain.size());
        assertEquals("gw-001", Names.commonName(chain.get(0)));
        assertTrue(Files.readString(dir.resolve("gw-001.cer")).contains("FOR TESTING ONLY"));
        assertTrue(chain.get(0).getSubjectX500Principal().getName().contains("FOR TESTING ONLY"));

        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(chain.get(2), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, 2)), params);

        TestCredential gw = PkiFiles.readPkcs12(dir.resolve("gw-001.pfx"), "test-secret".toCharArray());
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(gw.key());
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        s.initVerify(chain.get(0));
        s.update(new byte[] {1, 2, 3});
        assertTrue(s.verify(sig), "the .pfx key belongs to the .cer certificate");
    }

    @Test
    void publisherCertificateIsForCodeSigningOnlyAndInspectSaysSo() throws Exception {
        String o = dir.toString();
        assertEquals(0, run("root", "Release-Root", "--out", o));
        assertEquals(0, run("publisher", "acme-releases", "--ca", o + "/Release-Root.pfx", "--out", o), err.toString());
        X509Certificate publisher = PkiFiles.readCertificates(dir.resolve("acme-releases.cer")).get(0);
        assertEquals(List.of("1.3.6.1.5.5.7.3.3"), publisher.getExtendedKeyUsage());
        assertEquals(-1, publisher.getBasicConstraints(), "a publisher certificate is not a CA");
        out.reset();
        assertEquals(0, run("inspect", o + "/acme-releases.cer"));
        assertTrue(out.toString().contains("used for    codeSigning"), out.toString());
    }

    @Test
    void verificationCertificateCarriesTheCodeAndTheCaSignature() throws Exception {
        String o = dir.toString();
        assertEquals(0, run("root", "CA1", "--out", o));
        assertEquals(0, run("verification", "A1B2C3D4E5F6", "--ca", o + "/CA1.pfx", "--out", o));
        X509Certificate v = PkiFiles.readCertificates(dir.resolve("verification-A1B2C3D4E5F6.cer")).get(0);
        assertEquals("A1B2C3D4E5F6", Names.commonName(v));
        v.verify(PkiFiles.readCertificates(dir.resolve("CA1.cer")).get(0).getPublicKey());
    }

    @Test
    void inspectShowsThumbprintAndTestMarker() {
        String o = dir.toString();
        assertEquals(0, run("self-signed", "dev-9", "--out", o));
        out.reset();
        assertEquals(0, run("inspect", o + "/dev-9.cer"));
        assertTrue(out.toString().contains("thumbprint"), out.toString());
        assertTrue(out.toString().contains("test only   yes"), out.toString());
    }

    @Test
    void errorsNameWhatWasWrong() {
        assertEquals(2, run("gateway", "gw-1"));
        assertTrue(err.toString().contains("needs --ca"), err.toString());
        err.reset();
        assertEquals(2, run("root", "bad name!"));
        assertTrue(err.toString().contains("not a usable name"), err.toString());
        err.reset();
        assertEquals(1, run("device", "d1", "--ca", dir.resolve("missing.pfx").toString()));
        assertTrue(err.toString().contains("missing.pfx"), err.toString());
        err.reset();
        assertEquals(2, new PkiMain(new PrintStream(out), new PrintStream(err), Map.of()).run(new String[] {"root", "R"}));
        assertTrue(err.toString().contains(PkiMain.PASSWORD_ENV), err.toString());
    }

    @Test
    void wrongPasswordIsNamed() throws Exception {
        String o = dir.toString();
        assertEquals(0, run("root", "R", "--out", o));
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "other\n");
        err.reset();
        assertEquals(1, run("device", "d", "--ca", o + "/R.pfx", "--password-file", pw.toString(), "--out", o));
        assertTrue(err.toString().contains("R.pfx"), err.toString());
    }

    @Test
    void verificationCertificateFromAnOpensslCaWithAPemKey() throws Exception {
        // The demo and many integrators make their CA with openssl: PEM certificate, PEM key.
        Path key = dir.resolve("ca.key");
        Path cert = dir.resolve("ca.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=Openssl CA (for testing only)",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "openssl (a test requirement, see ./palisade) failed: " + log);

        assertEquals(0, new PkiMain(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()).run(new String[] {"verification",
                    "ABCDEF0123", "--ca", cert.toString(), "--ca-key", key.toString(), "--out", dir.toString()}),
                err.toString());
        X509Certificate v = PkiFiles.readCertificates(dir.resolve("verification-ABCDEF0123.cer")).get(0);
        assertEquals("ABCDEF0123", Names.commonName(v));
        v.verify(PkiFiles.readCertificates(cert).get(0).getPublicKey());

        err.reset();
        assertEquals(1, run("verification", "X1", "--ca", cert.toString(), "--ca-key", cert.toString()));
        assertTrue(err.toString().contains("no unencrypted PEM private key"), err.toString());
    }
}
