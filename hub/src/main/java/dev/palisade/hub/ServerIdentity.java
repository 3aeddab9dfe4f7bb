package dev.palisade.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * The hub's own TLS identity: the operator's keystore, or — when none is configured — a test
 * identity generated once in the data directory (a test CA and a server certificate for
 * localhost/127.0.0.1), with a random password in a file only the hub's user can read.
 * Gateways trust {@code server/hub-test-ca.cer}.
 */
record ServerIdentity(Path keystore, String password) {
    private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);

    static ServerIdentity resolve(HubSettings settings) throws IOException {
        if (settings.keystore() != null) {
            if (settings.keystorePasswordFile() == null) {
                throw new IOException("--keystore " + settings.keystore() + " needs --keystore-password-file");
            }
            if (!Files.isReadable(settings.keystore())) {
                throw new IOException("the server keystore " + settings.keystore() + " cannot be read");
            }
            List<String> lines = Files.readAllLines(settings.keystorePasswordFile(), StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                throw new IOException("the password file " + settings.keystorePasswordFile() + " is empty");
            }
            return new ServerIdentity(settings.keystore(), lines.get(0));
        }
        Path dir = settings.dataDir().resolve("server");
        Path store = dir.resolve("hub-server.p12");
        Path passwordFile = dir.resolve("hub-server.password");
        if (Files.exists(store) && Files.exists(passwordFile)) {
            return new ServerIdentity(store, Files.readAllLines(passwordFile, StandardCharsets.UTF_8).get(0));
        }
        Files.createDirectories(dir);
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        TestCredential ca = TestPki.rootCa("Palisade hub test server CA", Duration.ofDays(3650));
        TestCredential server = TestPki.leaf(ca, "localhost", TestPki.Kind.SERVER, Duration.ofDays(825));
        PkiFiles.writeCertificates(dir.resolve("hub-test-ca.cer"), List.of(ca.certificate()));
        PkiFiles.writePkcs12(store, server, password.toCharArray());
        LOG.warn("no server keystore configured: generated a TEST server identity in {}; gateways must trust {}"
                + " (use --keystore for anything but testing)", dir, dir.resolve("hub-test-ca.cer"));
        return new ServerIdentity(store, password);
    }
}
