package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.UpdateSetInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What the deployer keeps on disk, under one directory (by default {@code data/deploy}):
 *
 * <pre>
 * staging/&lt;id&gt;.zip            submitted sets waiting in the queue
 * work/&lt;id&gt;/                  the verified jars of the set being applied
 * journal.properties           present only while an apply or rollback changes bundles
 * applied/&lt;seq&gt;-&lt;id&gt;/         one per set in effect, newest on top: set.properties,
 *                              changes.properties and previous/ (the jars it replaced)
 * installed/&lt;bsn&gt;.jar        the content last installed by the deployer, for the next rollback
 * history/&lt;seq&gt;.properties    one per outcome
 * </pre>
 *
 * Every properties file is replaced atomically after an fsync, so a power cut leaves the old or
 * the new one. Used by the deployer's single worker thread only.
 */
final class DeployStore {
    static final String JOURNAL = "journal.properties";

    private final Path root;
    private final int historySize;

    DeployStore(Path root, int historySize) throws IOException {
        this.root = root;
        this.historySize = historySize;
        for (String dir : List.of("staging", "work", "applied", "installed", "history")) {
            Files.createDirectories(root.resolve(dir));
        }
    }

    Path root() {
        return root;
    }

    Path staging(String id) {
        return root.resolve("staging").resolve(id + ".zip");
    }

    Path work(String id) throws IOException {
        Path dir = root.resolve("work").resolve(id);
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    void discard(String id) throws IOException {
        Files.deleteIfExists(staging(id));
        deleteTree(root.resolve("work").resolve(id));
    }

    // --- the journal of the apply in progress

    void writeJournal(Properties journal) throws IOException {
        writeAtomically(root.resolve(JOURNAL), journal);
    }

    Optional<Properties> journal() throws IOException {
        Path file = root.resolve(JOURNAL);
        return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
    }

    void clearJournal() throws IOException {
        Files.deleteIfExists(root.resolve(JOURNAL));
        fsyncDirectory(root);
    }

    static void putChanges(Properties p, List<Change> changes) {
        for (int i = 0; i < changes.size(); i++) {
            p.setProperty("change." + i, changes.get(i).encode());
        }
    }

    static List<Change> changes(Properties p) {
        List<Change> changes = new ArrayList<>();
        for (int i = 0; p.containsKey("change." + i); i++) {
            changes.add(Change.decode(p.getProperty("change." + i)));
        }
        return changes;
    }

    // --- sets in effect

    /** A new record for a set being applied; its previous/ folder receives the replaced jars. */
    Path newAppliedRecord(String id) throws IOException {
        Path dir = root.resolve("applied").resolve(String.format("%06d-%s", nextSequence("applied"), id));
        Files.createDirectories(dir.resolve("previous"));
        return dir;
    }

    void commitAppliedRecord(Path record, UpdateSetInfo set, List<Change> changes) throws IOException {
        Properties p = new Properties();
        Records.putSet(p, "", set);
        putChanges(p, changes);
        writeAtomically(record.resolve("set.properties"), p);
    }

    /** @return the applied records, newest first; only committed ones (with set.properties) */
    List<Path> appliedRecords() throws IOException {
        try (Stream<Path> dirs = Files.list(root.resolve("applied"))) {
            return dirs.filter(d -> Files.exists(d.resolve("set.properties")))
                    .sorted(Comparator.comparing((Path d) -> d.getFileName().toString()).reversed()).toList();
        }
    }

    /** Removes records never committed (an apply that did not finish). */
    void dropUncommittedRecords() throws IOException {
        try (Stream<Path> dirs = Files.list(root.resolve("applied"))) {
            for (Path d : dirs.filter(d -> !Files.exists(d.resolve("set.properties"))).toList()) {
                deleteTree(d);
            }
        }
    }

    UpdateSetInfo setOf(Path record) throws IOException {
        return Records.set(read(record.resolve("set.properties")), "");
    }

    List<Change> changesOf(Path record) throws IOException {
        return changes(read(record.resolve("set.properties")));
    }

    // --- the content the deployer last installed, per bundle

    Path installedJar(String symbolicName) {
        return root.resolve("installed").resolve(symbolicName + ".jar");
    }

    /** Records that {@code jar} is now the content of {@code symbolicName}, modified at {@code lastModified}. */
    void recordInstalled(String symbolicName, Path jar, long lastModified) throws IOException {
        Path target = installedJar(symbolicName);
        if (!jar.toAbsolutePath().equals(target.toAbsolutePath())) {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
            fsync(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Properties p = new Properties();
        p.setProperty("lastModified", Long.toString(lastModified));
        writeAtomically(root.resolve("installed").resolve(symbolicName + ".properties"), p);
    }

    /** @return the bundles whose content the deployer keeps, by symbolic name */
    List<String> installedNames() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("installed"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    .map(n -> n.substring(0, n.length() - ".jar".length())).sorted().toList();
        }
    }

    void forgetInstalled(String symbolicName) throws IOException {
        Files.deleteIfExists(installedJar(symbolicName));
        Files.deleteIfExists(root.resolve("installed").resolve(symbolicName + ".properties"));
    }

    /** @return the kept content of a bundle if the bundle was not changed by anyone else since */
    Optional<Path> installedContent(String symbolicName, long lastModified) throws IOException {
        Path meta = root.resolve("installed").resolve(symbolicName + ".properties");
        if (!Files.exists(meta) || !Files.exists(installedJar(symbolicName))) {
            return Optional.empty();
        }
        boolean current = Long.toString(lastModified).equals(read(meta).getProperty("lastModified"));
        return current ? Optional.of(installedJar(symbolicName)) : Optional.empty();
    }

    // --- history

    void addHistory(DeployOutcome outcome) throws IOException {
        Path dir = root.resolve("history");
        writeAtomically(dir.resolve(String.format("%06d.properties", nextSequence("history"))), Records.outcome(outcome));
        List<Path> files = historyFiles();
        for (Path old : files.subList(Math.min(files.size(), historySize), files.size())) {
            Files.deleteIfExists(old);
        }
    }

    List<DeployOutcome> history() {
        try {
            List<DeployOutcome> outcomes = new ArrayList<>();
            for (Path file : historyFiles()) {
                outcomes.add(Records.outcome(read(file)));
            }
            return outcomes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the deploy history in " + root.resolve("history"), e);
        }
    }

    private List<Path> historyFiles() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("history"))) {
            return files.filter(f -> f.getFileName().toString().matches("\\d+\\.properties"))
                    .sorted(Comparator.comparing((Path f) -> f.getFileName().toString()).reversed()).toList();
        }
    }

    private int nextSequence(String dir) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("\\d{6}.*"))
                    .mapToInt(n -> Integer.parseInt(n.substring(0, 6))).max().orElse(0) + 1;
        }
    }

    // --- files

    static Properties read(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    static void writeAtomically(Path file, Properties p) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, null);
        }
        fsync(tmp);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(file.getParent());
    }

    static void fsync(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename itself is still atomic.
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
