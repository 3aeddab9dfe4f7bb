package dev.palisade.deploy.internal.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCliTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return new BundleCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(BundleCli.PASSWORD_ENV, "s3cret"),
                Clock.systemUTC()).run(args);
    }

    @Test
    void signThenVerifyAgainstTheAnchorFile() throws Exception {
        TestCredential root = TestPki.rootCa("Release-Root", Duration.ofDays(30));
        TestCredential publisher = TestPki.leaf(root, "acme", TestPki.Kind.PUBLISHER, Duration.ofDays(30));
        PkiFiles.writePkcs12(dir.resolve("acme.pfx"), publisher, "s3cret".toCharArray());
        PkiFiles.writeCertificates(dir.resolve("root.pem"), List.of(root.certificate()));
        Path jar = TestSets.bundle(dir, "com.example.a", "1.2.3", "a");

        assertEquals(0, run("sign", "--key", dir.resolve("acme.pfx").toString(), "--out",
                dir.resolve("set.zip").toString(), jar.toString()), err.toString());
        assertTrue(out.toString().contains("com.example.a 1.2.3"), out.toString());
        out.reset();
        assertEquals(0, run("verify", "--trust", dir.resolve("root.pem").toString(), dir.resolve("set.zip").toString()),
                out.toString() + err);
        assertTrue(out.toString().startsWith("OK "), out.toString());

        TestCredential other = TestPki.rootCa("Other", Duration.ofDays(30));
        PkiFiles.writeCertificates(dir.resolve("other.pem"), List.of(other.certificate()));
        out.reset();
        assertEquals(1, run("verify", "--trust", dir.resolve("other.pem").toString(), dir.resolve("set.zip").toString()));
        assertTrue(out.toString().startsWith("REFUSED UNTRUSTED_PUBLISHER"), out.toString());
    }

    @Test
    void usageErrorsSayWhatIsMissing() {
        assertEquals(2, run("sign", "--out", "x.zip"));
        assertTrue(err.toString().contains("--key"), err.toString());
        assertEquals(2, run("verify", "--bogus", "x"));
    }
}
