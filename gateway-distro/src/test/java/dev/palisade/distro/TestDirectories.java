package dev.palisade.distro;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Data directories for tests: under the system temp directory, because the admin socket path is limited to 107 bytes. */
final class TestDirectories {

    private TestDirectories() {
    }

    static Path shortTempDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
