package dev.palisade.bus.modbus.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test certificates made with the openssl command line, as research/modbus.md §2 describes: EC
 * P-256, a CA, a device (TLS server) certificate and a gateway (TLS client) certificate with the
 * Modbus/TCP Security role extension.
 */
final class TestPki {

    final Path dir;

    TestPki(Path dir) {
        this.dir = dir;
    }

    void run(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        Process process;
        try {
            process = new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("openssl is missing: install the Debian package openssl", e);
        }
        String out = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new AssertionError(String.join(" ", line) + " failed: " + out);
        }
    }

    void ca(String name, String cn) throws Exception {
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        Files.writeString(dir.resolve(name + ".ext"), "[x]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        run("openssl", "req", "-x509", "-new", "-key", name + ".key", "-subj", "/CN=" + cn, "-days", "2", "-sha256",
                "-extensions", "x", "-config", dir.resolve(name + ".ext").toString(), "-out", name + ".crt");
    }

    /** Issues a leaf. {@code extensions} are lines of an openssl extension section. */
    void leaf(String name, String cn, String ca, String extensions) throws Exception {
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        run("openssl", "req", "-new", "-key", name + ".key", "-subj", "/CN=" + cn, "-out", name + ".csr");
        Files.writeString(dir.resolve(name + ".ext"), "[x]\n" + extensions + "\n");
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-sha256", "-extfile", name + ".ext", "-extensions", "x", "-out", name + ".crt");
    }

    void pkcs12(String name, String ca) throws Exception {
        run("openssl", "pkcs12", "-export", "-inkey", name + ".key", "-in", name + ".crt", "-certfile", ca + ".crt",
                "-name", name, "-passout", "pass:changeit", "-out", name + ".p12");
    }

    Path file(String name) {
        return dir.resolve(name);
    }
}
