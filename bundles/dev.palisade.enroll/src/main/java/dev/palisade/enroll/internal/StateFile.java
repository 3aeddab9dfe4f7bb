package dev.palisade.enroll.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;

import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.HubReason;
import dev.palisade.api.enroll.ProofMode;

/**
 * The children's states on disk: a properties file replaced atomically (written beside, synced,
 * renamed over), so that a crash leaves the old file or the new one, never a mix. Read once at
 * start; a file that cannot be read is kept aside (renamed with {@code .unreadable}) and named in
 * the error, and the children start pending, which re-enrollment repairs.
 */
final class StateFile {

    private static final String VERSION = "1";
    private final Path file;

    StateFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /**
     * @return the saved children, empty when there is no file yet
     * @throws IOException if the file exists but cannot be read or parsed (the message names the
     *         file and the entry)
     */
    List<ChildRecord> load() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        if (!VERSION.equals(p.getProperty("version"))) {
            throw new IOException(file + ": unknown version '" + p.getProperty("version") + "' (this bundle writes " + VERSION + ")");
        }
        int count = Integer.parseInt(p.getProperty("count", "0"));
        List<ChildRecord> children = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String k = i + ".";
            try {
                ChildRecord r = new ChildRecord(required(p, k + "id"), ProofMode.valueOf(required(p, k + "mode")),
                        Instant.parse(required(p, k + "since")));
                r.status = EnrollmentStatus.valueOf(required(p, k + "status"));
                String reason = p.getProperty(k + "reason", "");
                r.hubReason = reason.isEmpty() ? null : HubReason.valueOf(reason);
                if ((r.hubReason != null) != (r.status == EnrollmentStatus.REFUSED)) {
                    throw new IllegalArgumentException("status " + r.status + " with reason '" + reason + "'");
                }
                r.detail = p.getProperty(k + "detail", "");
                String last = p.getProperty(k + "last", "");
                r.lastAttempt = last.isEmpty() ? null : Instant.parse(last);
                r.leafSha = p.getProperty(k + "leaf", "");
                r.hubMustForget = Boolean.parseBoolean(p.getProperty(k + "forget", "false"));
                r.parked = Boolean.parseBoolean(p.getProperty(k + "parked", "false"));
                r.owner = p.getProperty(k + "owner", "");
                children.add(r);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new IOException(file + ": child entry " + i + " is invalid: " + e.getMessage(), e);
            }
        }
        return children;
    }

    /** Replaces the file with these children's states. */
    void save(Collection<ChildRecord> children) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", VERSION);
        p.setProperty("count", Integer.toString(children.size()));
        int i = 0;
        for (ChildRecord r : children) {
            String k = i++ + ".";
            p.setProperty(k + "id", r.id);
            p.setProperty(k + "mode", r.mode.name());
            p.setProperty(k + "status", r.status.name());
            p.setProperty(k + "reason", r.hubReason == null ? "" : r.hubReason.name());
            p.setProperty(k + "detail", r.detail);
            p.setProperty(k + "since", r.since.toString());
            p.setProperty(k + "last", r.lastAttempt == null ? "" : r.lastAttempt.toString());
            p.setProperty(k + "leaf", r.leafSha);
            p.setProperty(k + "forget", Boolean.toString(r.hubMustForget));
            p.setProperty(k + "parked", Boolean.toString(r.parked));
            p.setProperty(k + "owner", r.owner);
        }
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".new");
        try (OutputStream out = Files.newOutputStream(temp)) {
            p.store(out, "Palisade enrollment: the children's states (written by dev.palisade.enroll; do not edit)");
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Keeps an unreadable file aside so that the next save does not destroy the evidence. */
    Path quarantine() throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return v;
    }
}
