package dev.palisade.shell.internal.admin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The listening end of the admin channel: a Unix domain socket that only the gateway's own
 * user can reach.
 *
 * <p>Two independent barriers: the socket lives in a directory of mode 0700 owned by the
 * gateway's user (the kernel refuses everyone else before a connection exists), and every
 * accepted connection's peer credentials ({@code SO_PEERCRED}) must name that same user.
 */
final class AdminSocket implements AutoCloseable {

    /** Unix domain socket paths are limited by {@code sun_path}: 108 bytes on Linux, with the NUL. */
    static final int MAX_PATH_BYTES = 107;

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final String user;
    private final ServerSocketChannel server;

    private AdminSocket(Path path, String user, ServerSocketChannel server) {
        this.path = path;
        this.user = user;
        this.server = server;
    }

    /**
     * Creates the directory if needed, checks it, removes a stale socket and binds.
     *
     * @param path where the socket goes
     * @return the bound socket
     * @throws IOException with a message naming the path and what to do, when the directory is
     *         not private, another gateway already serves on this path, or binding fails
     */
    static AdminSocket open(Path path) throws IOException {
        Path socketPath = path.toAbsolutePath().normalize();
        if (socketPath.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new IOException("admin socket path " + socketPath + " is longer than " + MAX_PATH_BYTES
                    + " bytes, the limit for Unix domain sockets; configure a shorter socket.path");
        }
        String user = System.getProperty("user.name");
        Path directory = socketPath.getParent();
        secureDirectory(directory, user);
        removeStale(socketPath);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            Files.setPosixFilePermissions(socketPath, OWNER_ONLY_SOCKET);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on admin socket " + socketPath + ": " + e.getMessage(), e);
        }
        return new AdminSocket(socketPath, user, server);
    }

    private static void secureDirectory(Path directory, String user) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(directory.getParent());
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            return;
        }
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("admin socket directory " + directory + " is not a directory (or is a link)");
        }
        String owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(user)) {
            throw new IOException("admin socket directory " + directory + " belongs to '" + owner
                    + "', not to the gateway's user '" + user + "'; fix with: chown " + user + " " + directory);
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> open = EnumSet.copyOf(permissions);
        open.removeAll(OWNER_ONLY_DIRECTORY);
        if (!open.isEmpty()) {
            throw new IOException("admin socket directory " + directory + " is reachable by other users ("
                    + PosixFilePermissions.toString(permissions) + "); fix with: chmod 700 " + directory);
        }
    }

    private static void removeStale(Path socketPath) throws IOException {
        if (!Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
            throw new IOException("another gateway is already serving the admin channel at " + socketPath
                    + "; two gateways must not share a data directory");
        } catch (java.net.SocketException stale) {
            // Nobody listens: a gateway that did not shut down cleanly left the file behind.
            Files.delete(socketPath);
        }
    }

    /**
     * Blocks until a client connects.
     *
     * @return the connection
     * @throws IOException when the socket was closed or accepting failed
     */
    SocketChannel accept() throws IOException {
        return server.accept();
    }

    /**
     * @param client an accepted connection
     * @return {@code null} when the peer is the gateway's user, else the peer's user name
     * @throws IOException when the peer credentials cannot be read
     */
    String foreignPeer(SocketChannel client) throws IOException {
        UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String name = peer.user().getName();
        return name.equals(user) ? null : name;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
