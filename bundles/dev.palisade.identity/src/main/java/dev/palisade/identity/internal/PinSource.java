package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Where a keystore's PIN comes from: a file that only the gateway's user can read, or an
 * environment variable. Never the configuration itself, so that configuration files, ConfigAdmin's
 * store and {@code palisade:status} never hold a secret.
 *
 * <p>{@link #read()} returns a fresh array that the caller must clear after use.
 * {@link #version()} identifies the content without revealing it, so that a PIN the token refused
 * is not tried again until the operator has changed its source (see {@link PinGuard}).
 */
final class PinSource {

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path file;
    private final String variable;
    private final Function<String, String> environment;

    private PinSource(Path file, String variable, Function<String, String> environment) {
        this.file = file;
        this.variable = variable;
        this.environment = environment;
    }

    /**
     * @param pinFile the configured PIN file, or blank; relative paths resolve against {@code base}
     * @param pinEnv the configured environment variable name, or blank
     * @param base the directory relative PIN files resolve against (the gateway's etc directory)
     * @param environment reads an environment variable ({@code System::getenv} in production)
     * @return the source
     * @throws IllegalArgumentException unless exactly one of the two is set
     */
    static PinSource of(String pinFile, String pinEnv, Path base, Function<String, String> environment) {
        boolean hasFile = pinFile != null && !pinFile.isBlank();
        boolean hasEnv = pinEnv != null && !pinEnv.isBlank();
        if (hasFile == hasEnv) {
            throw new IllegalArgumentException("configure exactly one PIN source: pin.file (a file only the gateway's"
                    + " user can read) or pin.env (the name of an environment variable); "
                    + (hasFile ? "both are set" : "neither is set"));
        }
        return hasFile
                ? new PinSource(base.resolve(pinFile.trim()), null, environment)
                : new PinSource(null, pinEnv.trim(), Objects.requireNonNull(environment));
    }

    /** @return where the PIN comes from, for messages; never the PIN */
    String describe() {
        return file != null ? "PIN file " + file : "environment variable " + variable;
    }

    /**
     * Something that changes when the PIN source's content may have changed: the file's
     * identity, size and modification time; for an environment variable nothing can change
     * while the process runs.
     *
     * @return an opaque value to compare with {@link Object#equals}
     */
    Object version() {
        if (file == null) {
            return List.of("env", variable);
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return Arrays.asList("file", file.toString(), attributes.fileKey(), attributes.size(),
                    attributes.lastModifiedTime().toMillis());
        } catch (IOException e) {
            return List.of("file", file.toString(), "unreadable");
        }
    }

    /**
     * @return the PIN; the caller clears the array after use
     * @throws IdentityException {@code PIN_UNAVAILABLE} if the source is missing, empty, or
     *         (for a file) not owned by the gateway's user or accessible to group or others
     */
    char[] read() throws IdentityException {
        return file != null ? readFile() : readEnvironment();
    }

    private char[] readEnvironment() throws IdentityException {
        String value = environment.apply(variable);
        if (value == null || value.isEmpty()) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "the PIN environment variable " + variable
                    + " is not set in the gateway's environment; set it in the service unit (Environment=)"
                    + " or configure pin.file instead");
        }
        return value.toCharArray();
    }

    private char[] readFile() throws IdentityException {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "the PIN file " + file + " does not exist;"
                    + " create it with the token's user PIN (mode 0600, owned by the gateway's user)");
        } catch (UnsupportedOperationException e) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "cannot check who may read the PIN file " + file
                    + ": its file system has no POSIX permissions; use pin.env instead");
        } catch (IOException e) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "cannot read the PIN file " + file + ": " + e);
        }
        if (!attributes.isRegularFile()) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "the PIN file " + file
                    + " is not a regular file (a symbolic link or directory is refused)");
        }
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(attributes.permissions());
        open.retainAll(GROUP_OR_OTHER);
        if (!open.isEmpty()) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "refusing the PIN file " + file + ": it is accessible to"
                    + " its group or to other users (" + java.nio.file.attribute.PosixFilePermissions.toString(
                            attributes.permissions()) + "); run: chmod 600 " + file);
        }
        String user = System.getProperty("user.name");
        if (!attributes.owner().getName().equals(user)) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "refusing the PIN file " + file + ": it belongs to "
                    + attributes.owner().getName() + ", not to the gateway's user " + user + "; run: chown " + user + " " + file);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IdentityException(Reason.PIN_UNAVAILABLE, "cannot read the PIN file " + file + ": " + e);
        }
        try {
            int length = bytes.length;
            // Editors and `echo` add a line end; it is never part of a PIN.
            while (length > 0 && (bytes[length - 1] == '\n' || bytes[length - 1] == '\r')) {
                length--;
            }
            if (length == 0) {
                throw new IdentityException(Reason.PIN_UNAVAILABLE, "the PIN file " + file + " is empty");
            }
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, length));
            char[] pin = new char[chars.remaining()];
            chars.get(pin);
            Arrays.fill(chars.array(), '\0');
            return pin;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** For tests and the status: nothing secret. */
    @Override
    public String toString() {
        return describe();
    }

    /** @return a source reading the process environment */
    static Function<String, String> systemEnvironment() {
        Map<String, String> env = System.getenv();
        return env::get;
    }
}
