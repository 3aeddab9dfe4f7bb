package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Which alias on the keystore plays which role, kept as one small file per role in the
 * component's state directory ({@code $PALISADE_DATA/identity/pkcs11/}). The token itself cannot
 * say which of its keys is the gateway's, which one a rotation is preparing, and which one is
 * waiting to be destroyed; these files survive a crash between the steps of a rotation, so that
 * the next start can finish it (see {@link IdentityManager}). Each write is an atomic rename.
 */
final class AliasMarkers {

    /** The gateway's key. Absent: the configured alias. */
    static final String CURRENT = "current-alias";
    /** The key a rotation generated, waiting for its chain. */
    static final String PENDING = "pending-alias";
    /** The key a rotation replaced, to be destroyed once the new one is in use. */
    static final String OLD = "old-alias";

    private final Path directory;

    AliasMarkers(Path directory) {
        this.directory = directory;
    }

    /** @return the alias recorded for {@code role}, or empty */
    Optional<String> read(String role) throws IdentityException {
        Path file = directory.resolve(role);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            String alias = Files.readString(file, StandardCharsets.UTF_8).trim();
            return alias.isEmpty() ? Optional.empty() : Optional.of(alias);
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Records {@code alias} for {@code role}, replacing what was there, atomically. */
    void write(String role, String alias) throws IdentityException {
        Path file = directory.resolve(role);
        try {
            Files.createDirectories(directory);
            Path temporary = directory.resolve(role + ".tmp");
            Files.writeString(temporary, alias + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot write " + file + " (recording '" + alias + "' as "
                    + role + "): " + e.getMessage(), e);
        }
    }

    /** Forgets {@code role}. */
    void remove(String role) throws IdentityException {
        Path file = directory.resolve(role);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return where the markers live, for messages */
    Path directory() {
        return directory;
    }
}
