package dev.palisade.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh SoftHSM2 token for a unit-test JVM, and the command-line helpers around it; shared by
 * the identity and link bundles' tests.
 *
 * <p>SoftHSM reads {@code SOFTHSM2_CONF} once, when the library is first loaded, and the JDK never
 * unloads it: Surefire sets {@code SOFTHSM2_CONF} in the forked JVM's environment to
 * {@code softhsm2.conf} in the directory named by the system property
 * {@code palisade.test.softhsm.dir}; {@link #initFresh} writes that file and an empty token
 * directory before any provider is configured, so nothing of a previous run survives. A missing
 * SoftHSM2 fails the test with the package to install; it never skips.
 */
public final class SoftHsmTestToken {

    private SoftHsmTestToken() {
    }

    /**
     * Wipes the test JVM's token directory, writes its {@code softhsm2.conf} and initialises one
     * token.
     *
     * @return the directory (for further files, e.g. a SunPKCS11 configuration)
     */
    public static Path initFresh(String label, String soPin, String pin) {
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
        run(List.of("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", soPin, "--pin", pin));
        return directory;
    }

    /**
     * @return SoftHSM2's PKCS#11 library: {@code -Dpalisade.test.softhsm2.library}, or where
     *         distributions put it (a {@code softhsm} folder of a system library directory)
     */
    public static Path library() {
        String configured = System.getProperty("palisade.test.softhsm2.library");
        if (configured != null) {
            return Path.of(configured);
        }
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
                    + " (./palisade test installs it), or name it with -Dpalisade.test.softhsm2.library=");
        }
        return found.stream().sorted().findFirst().orElseThrow();
    }

    /** Fails the test naming the Debian package if {@code tool} cannot be run ({@code tool probe}). */
    public static void requireTool(String tool, String probe, String debianPackage) {
        try {
            Process process = new ProcessBuilder(tool, probe).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new AssertionError(tool + " is not installed: install the Debian package " + debianPackage
                    + " (./palisade test installs the test requirements)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Runs a command to its end (60 s at most).
     *
     * @return its output (stdout and stderr)
     * @throws AssertionError if it failed, with its output
     */
    public static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command.subList(0, Math.min(2, command.size())))
                        + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** @return {@code length} random decimal digits (a test PIN) */
    public static String randomDigits(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < length; i++) {
            digits.append(random.nextInt(10));
        }
        return digits.toString();
    }
}
