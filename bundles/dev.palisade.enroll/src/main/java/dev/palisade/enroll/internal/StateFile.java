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
 * start; a file that cannot be read is kept aside (renamed with {@code .unreadable}, never over an
 * earlier one) and named in the error, and the children start pending, which re-enrollment repairs.
 * The file also records the hub and gateway ids the states were reached with: enrollments with
 * another hub, or as another gateway, are not this configuration's.
 */
final class StateFile {

    private static final String VERSION = "1";
    /** Keys every child entry has (id, mode, since, status): bounds {@code count} by the file's size. */
    private static final int REQUIRED_KEYS = 4;

    /**
     * What the file holds.
     *
     * @param hubId the hub the states were reached with; empty in a file written before ids were recorded
     * @param gatewayId the gateway id they were reached as; empty likewise
     * @param children the saved children
     */
    record Saved(String hubId, String gatewayId, List<ChildRecord> children) {
        static final Saved NONE = new Saved("", "", List.of());
    }
    private final Path file;

    StateFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    /**
     * @return the saved states, {@link Saved#NONE} when there is no file yet
     * @throws IOException if the file exists but cannot be read or parsed (the message names the
     *         file and the entry); never a RuntimeException
     */
    Saved load() throws IOException {
        if (!Files.exists(file)) {
            return Saved.NONE;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a properties file (" + e.getMessage() + ")", e);
        }
        if (!VERSION.equals(p.getProperty("version"))) {
            throw new IOException(file + ": unknown version '" + p.getProperty("version") + "' (this bundle writes " + VERSION + ")");
        }
        String countText = p.getProperty("count", "0");
        int count;
        try {
            count = Integer.parseInt(countText);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": count '" + countText + "' is not a number", e);
        }
        // Never trusted for an allocation: each entry has REQUIRED_KEYS keys, so the file itself bounds it.
        if (count < 0 || count > p.size() / REQUIRED_KEYS) {
            throw new IOException(file + ": count " + count + " does not match the file (" + p.size() + " keys hold at most "
                    + p.size() / REQUIRED_KEYS + " children)");
        }
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
            } catch (RuntimeException e) {
                throw new IOException(file + ": child entry " + i + " is invalid: " + e.getMessage(), e);
            }
        }
        return new Saved(p.getProperty("hub", ""), p.getProperty("gateway", ""), children);
    }

    /**
     * Replaces the file with these children's states, reached with this hub as this gateway.
     * Durable when it returns: the new file's content and the rename are both synced.
     */
    void save(String hubId, String gatewayId, Collection<ChildRecord> children) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", VERSION);
        p.setProperty("hub", hubId);
        p.setProperty("gateway", gatewayId);
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
        // The rename is a change of the directory: until the directory is synced, a power loss may
        // bring back the old file (or none) although save() returned.
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Keeps an unreadable file aside so that the next save does not destroy the evidence; an
     * earlier unreadable file is never overwritten ({@code .unreadable}, {@code .unreadable.1}, …).
     */
    Path quarantine() throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
        for (int n = 1; Files.exists(aside); n++) {
            aside = file.resolveSibling(file.getFileName() + ".unreadable." + n);
        }
        Files.move(file, aside);
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
