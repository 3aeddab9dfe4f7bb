package dev.palisade.identity.internal;

import dev.palisade.testkit.SoftHsmTestToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A fresh SoftHSM2 token for this test run, shared by every test of the JVM.
 *
 * <p>Why one per JVM: SoftHSM reads {@code SOFTHSM2_CONF} once, when SunPKCS11 first initialises
 * the library, and the JDK never finalises it ({@link SoftHsmTestToken} writes the file and a new,
 * empty token directory before any provider is configured). The token gets random PINs.
 *
 * <p>A missing SoftHSM2 fails the test with the package to install; it never skips.
 */
final class SoftHsmToken {

    static final String LABEL = "palisade-test";

    private static SoftHsmToken instance;

    final Path directory;
    final Path library;
    final String pin;

    private SoftHsmToken(Path directory, Path library, String pin) {
        this.directory = directory;
        this.library = library;
        this.pin = pin;
    }

    static synchronized SoftHsmToken get() {
        if (instance == null) {
            instance = create();
        }
        return instance;
    }

    private static SoftHsmToken create() {
        String pin = SoftHsmTestToken.randomDigits(8);
        Path directory = SoftHsmTestToken.initFresh(LABEL, SoftHsmTestToken.randomDigits(10), pin);
        return new SoftHsmToken(directory, SoftHsmTestToken.library(), pin);
    }

    /** @return pkcs11-tool's description of every object on the token, as the token's user sees it */
    String listObjects() {
        SoftHsmTestToken.requireTool("pkcs11-tool", "--help", "opensc");
        return SoftHsmTestToken.run(List.of("pkcs11-tool", "--module", library.toString(), "--token-label", LABEL,
                "--login", "--pin", pin, "--list-objects"));
    }

    /** @return a PIN file with mode 0600 holding {@code content} */
    static Path pinFile(Path directory, String content) {
        try {
            Path file = directory.resolve("pin-" + System.nanoTime());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
