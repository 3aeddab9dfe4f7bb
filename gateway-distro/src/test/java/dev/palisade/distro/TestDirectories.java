package dev.palisade.distro;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Data directories for tests: under the system temp directory, because the admin socket path is limited to
 * 107 bytes. Every directory made here is registered; {@link ItCleanupListener} (the failsafe run
 * listener) deletes them when the test class passed and keeps them, saying where, when it failed.
 */
final class TestDirectories {

    /** {@code -Dpalisade.keep.test.dirs=true} keeps every test directory, passed or failed. */
    static final String KEEP_PROPERTY = "palisade.keep.test.dirs";

    /**
     * The registry: a system property, not a static field, because Pax Exam may load this class again inside
     * the framework (the test probe), and the listener must see what either copy made.
     */
    private static final String REGISTRY = "palisade.test.dirs.made";

    private TestDirectories() {
    }

    static Path shortTempDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            synchronized (System.getProperties()) {
                String made = System.getProperty(REGISTRY, "");
                System.setProperty(REGISTRY, made.isEmpty() ? dir.toString() : made + File.pathSeparator + dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the directories made so far in this JVM, and forgets them */
    static List<Path> drain() {
        synchronized (System.getProperties()) {
            String made = System.getProperty(REGISTRY, "");
            System.clearProperty(REGISTRY);
            List<Path> dirs = new ArrayList<>();
            for (String dir : made.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
            return dirs;
        }
    }

    /** Deletes {@code dir} and everything under it; what cannot be deleted is named in the exception. */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) {
            entries = walk.sorted(Comparator.reverseOrder()).toList();
        }
        IOException failure = null;
        for (Path entry : entries) {
            try {
                Files.deleteIfExists(entry);
            } catch (IOException e) {
                if (failure == null) {
                    failure = new IOException("could not delete " + entry + " under " + dir, e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
