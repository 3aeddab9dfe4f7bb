package dev.palisade.identity.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh SoftHSM2 token for this test run, shared by every test of the JVM.
 *
 * <p>Why one per JVM: SoftHSM reads {@code SOFTHSM2_CONF} once, when SunPKCS11 first initialises
 * the library, and the JDK never finalises it. Maven sets {@code SOFTHSM2_CONF} in the forked
 * test JVM's environment to a fixed path under {@code target/softhsm}; this fixture writes that
 * file and a new, empty token directory next to it before any provider is configured, then
 * initialises a token with random PINs. Nothing of a previous run survives.
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
        requireTool("softhsm2-util", "--version", "softhsm2");
        String dir = System.getProperty("palisade.test.softhsm.dir");
        if (dir == null) {
            throw new AssertionError("system property palisade.test.softhsm.dir is not set: run the tests with Maven"
                    + " (mvn verify), which also sets SOFTHSM2_CONF");
        }
        Path directory = Path.of(dir).toAbsolutePath();
        Path conf = directory.resolve("softhsm2.conf");
        if (!conf.toString().equals(System.getenv("SOFTHSM2_CONF"))) {
            throw new AssertionError("SOFTHSM2_CONF must be " + conf + " in the test JVM's environment (set by the"
                    + " Surefire configuration), got " + System.getenv("SOFTHSM2_CONF"));
        }
        try {
            if (Files.exists(directory)) {
                try (Stream<Path> old = Files.walk(directory)) {
                    for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
            Path tokens = Files.createDirectories(directory.resolve("tokens"));
            Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pin = randomDigits(8);
        run(List.of("softhsm2-util", "--init-token", "--free", "--label", LABEL, "--so-pin", randomDigits(10), "--pin", pin));
        return new SoftHsmToken(directory, findLibrary(), pin);
    }

    /** @return pkcs11-tool's description of every object on the token, as the token's user sees it */
    String listObjects() {
        requireTool("pkcs11-tool", "--help", "opensc");
        return run(List.of("pkcs11-tool", "--module", library.toString(), "--token-label", LABEL, "--login", "--pin", pin,
                "--list-objects"));
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

    private static Path findLibrary() {
        String configured = System.getProperty("palisade.test.softhsm2.library");
        if (configured != null) {
            return Path.of(configured);
        }
        // Where distributions put it: the softhsm folder of a system library directory.
        List<Path> found = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/usr/lib64", "/usr/local/lib")) {
            if (!Files.isDirectory(Path.of(root))) {
                continue;
            }
            try (Stream<Path> files = Files.find(Path.of(root), 3, (p, a) -> p.getFileName().toString().equals("libsofthsm2.so"))) {
                files.forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (found.isEmpty()) {
            throw new AssertionError("libsofthsm2.so not found: install the Debian package softhsm2"
                    + " (apt-get install -y softhsm2 opensc), or name it with -Dpalisade.test.softhsm2.library=");
        }
        return found.stream().sorted().findFirst().orElseThrow();
    }

    private static void requireTool(String tool, String probe, String pkg) {
        try {
            Process process = new ProcessBuilder(tool, probe).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new AssertionError(tool + " is not installed: the identity tests need a real SoftHSM2 token."
                    + " Install the Debian package " + pkg + " (apt-get install -y softhsm2 opensc), or run ./palisade test");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(command.get(0) + " " + command.get(1) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String randomDigits(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < length; i++) {
            digits.append(random.nextInt(10));
        }
        return digits.toString();
    }
}
