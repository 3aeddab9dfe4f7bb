package dev.palisade.distro;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the test's own process holds, read from Linux's {@code /proc}: its open file descriptors
 * and its TCP connections to a given port (a connection kept is the same local port before and
 * after). Runs inside the framework, on Linux only.
 */
final class ProcessResources {

    private static final Path FDS = Path.of("/proc/self/fd");

    private ProcessResources() {
    }

    /** @return what each open descriptor of this process points to ({@code socket:[inode]}, a file, a pipe) */
    static List<String> openDescriptors() {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(FDS)) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // Closed between the listing and the read (the listing's own descriptor, for one).
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FDS + " (the leak test needs Linux /proc)", e);
        }
        return targets;
    }

    /**
     * @return the local ports of this process's ESTABLISHED TCP connections to 127.0.0.1:{@code port}
     */
    static Set<Integer> connectionsTo(int port) {
        Set<String> inodes = new TreeSet<>();
        for (String target : openDescriptors()) {
            if (target.startsWith("socket:[")) {
                inodes.add(target.substring("socket:[".length(), target.length() - 1));
            }
        }
        Set<Integer> localPorts = new TreeSet<>();
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue; // no IPv6 table on this kernel
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                String[] fields = line.trim().split("\\s+");
                if (fields.length < 10 || !"01".equals(fields[3]) || !inodes.contains(fields[9])) {
                    continue;
                }
                int remote = Integer.parseInt(fields[2].substring(fields[2].indexOf(':') + 1), 16);
                if (remote == port) {
                    localPorts.add(Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1), 16));
                }
            }
        }
        return localPorts;
    }
}
