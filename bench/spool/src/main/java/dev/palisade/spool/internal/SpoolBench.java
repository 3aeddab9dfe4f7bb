package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Append rate, drain rate (hand out + acknowledge) and recovery time of the spool's journal,
 * against SQLite in WAL mode doing the same work, and a raw FileChannel append with the same
 * sync policy as the baseline. Same messages, same directory, same run.
 *
 * <p>Usage: {@code SpoolBench WORK_DIR [everyN groupedN recoveryN payloadBytes]}
 */
public final class SpoolBench {

    private static final int GROUP = 100;
    private static final int BATCH = 256;

    private final Path work;
    private final int payloadBytes;
    private final Random random = new Random(1);

    private SpoolBench(Path work, int payloadBytes) {
        this.work = work;
        this.payloadBytes = payloadBytes;
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int everyN = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        int groupedN = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int recoveryN = args.length > 3 ? Integer.parseInt(args[3]) : 200_000;
        int payload = args.length > 4 ? Integer.parseInt(args[4]) : 200;
        SpoolBench bench = new SpoolBench(work, payload);
        System.out.printf(Locale.ROOT, "# payload %d bytes, 10 priorities, 4 keys; group = %d messages; drain batch %d%n",
                payload, GROUP, BATCH);
        System.out.printf(Locale.ROOT, "%-44s %9s %14s %14s%n", "case", "messages", "append msg/s", "drain msg/s");
        int rounds = Integer.parseInt(System.getProperty("rounds", "3"));
        for (boolean every : new boolean[] {true, false}) {
            int n = every ? everyN : groupedN;
            String sync = every ? "sync every message" : "sync every " + GROUP;
            // Rounds interleave the cases so that a noisy neighbour hurts all of them alike; medians.
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                results.computeIfAbsent("raw append (file grows), " + sync, k -> new ArrayList<>())
                        .add(new double[] {bench.raw(n, every, false), Double.NaN});
                results.computeIfAbsent("raw overwrite (preallocated), " + sync, k -> new ArrayList<>())
                        .add(new double[] {bench.raw(n, every, true), Double.NaN});
                results.computeIfAbsent("journal, " + sync, k -> new ArrayList<>()).add(bench.journal(n, every, 1));
                if (every) {
                    results.computeIfAbsent("journal, " + sync + ", 4 producers", k -> new ArrayList<>())
                            .add(bench.journal(n, true, 4));
                }
                results.computeIfAbsent("sqlite WAL, " + sync, k -> new ArrayList<>()).add(bench.sqlite(n, every));
            }
            results.forEach((name, values) -> bench.row(name, n, median(values, 0), median(values, 1)));
        }
        System.out.printf(Locale.ROOT, "%n%-44s %9s %14s %14s%n", "recovery (open with N held)", "messages", "open ms",
                "disk MiB");
        bench.recovery(recoveryN);
    }

    private static double median(List<double[]> values, int index) {
        double[] sorted = values.stream().mapToDouble(v -> v[index]).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private void row(String name, int n, double append, double drain) {
        System.out.printf(Locale.ROOT, "%-44s %9d %14.0f %14s%n", name, n, append,
                Double.isNaN(drain) ? "-" : String.format(Locale.ROOT, "%.0f", drain));
    }

    private byte[] payload() {
        byte[] bytes = new byte[payloadBytes];
        random.nextBytes(bytes);
        return bytes;
    }

    private Path fresh(String name) throws IOException {
        Path dir = work.resolve(name);
        delete(dir);
        Files.createDirectories(dir);
        return dir;
    }

    /** The baseline: the same record bytes, written and synced with nothing else. */
    private double raw(int n, boolean every, boolean preallocated) throws IOException {
        Path dir = fresh("raw");
        try (FileChannel channel = FileChannel.open(dir.resolve("raw.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            if (preallocated) {
                long size = (long) n * (payloadBytes + 64);
                ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < size; at += 1 << 20) {
                    channel.write(zeros.clear(), at);
                }
                channel.force(true);
                channel.position(0);
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ByteBuffer record = Records.data(i + 1, i % 10, 0, 0, "meter-" + (i % 4), "d/meter-" + (i % 4)
                        + "/telemetry", payload());
                while (record.hasRemaining()) {
                    channel.write(record);
                }
                if (every || (i + 1) % GROUP == 0) {
                    channel.force(false);
                }
            }
            channel.force(false);
            return n / seconds(start);
        }
    }

    private JournalSettings settings(boolean every) {
        return new JournalSettings(10_000_000, 1L << 40, 64 * 1024, 8L << 20,
                JournalSettings.OverflowPolicy.REFUSE, every, GROUP, Duration.ofMillis(200));
    }

    private double[] journal(int n, boolean every, int producers) throws Exception {
        Path dir = fresh("journal");
        try (Journal journal = Journal.open(dir, settings(every), Clock.systemUTC())) {
            List<byte[]> payloads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                payloads.add(payload());
            }
            CountDownLatch done = new CountDownLatch(producers);
            List<Throwable> failures = new ArrayList<>();
            long start = System.nanoTime();
            for (int p = 0; p < producers; p++) {
                int first = p;
                new Thread(() -> {
                    try {
                        for (int i = first; i < n; i += producers) {
                            String key = "meter-" + (i % 4);
                            journal.append(new SpoolMessage(key, "d/" + key + "/telemetry", payloads.get(i), i % 10,
                                    Instant.now(), null));
                        }
                    } catch (Exception e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    } finally {
                        done.countDown();
                    }
                }).start();
            }
            done.await();
            if (!failures.isEmpty()) {
                throw new IllegalStateException(failures.get(0));
            }
            journal.syncNow();
            double append = n / seconds(start);
            start = System.nanoTime();
            int drained = 0;
            List<SpoolEntry> batch;
            while (!(batch = journal.next(BATCH, key -> true, Duration.ZERO)).isEmpty()) {
                for (SpoolEntry entry : batch) {
                    journal.ack(entry.sequence());
                }
                drained += batch.size();
            }
            journal.syncNow();
            journal.compact();
            if (drained != n) {
                throw new IllegalStateException("drained " + drained + " of " + n);
            }
            return new double[] {append, n / seconds(start)};
        }
    }

    private Connection sqliteOpen(Path dir, boolean every) throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spool.db"));
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            // FULL: a commit is durable when it returns (fsync of the WAL per commit), as the
            // journal's policies; grouping is done with transactions of GROUP inserts.
            s.execute("PRAGMA synchronous=FULL");
            s.execute("CREATE TABLE IF NOT EXISTS message (seq INTEGER PRIMARY KEY, priority INTEGER NOT NULL,"
                    + " key TEXT NOT NULL, topic TEXT NOT NULL, accepted INTEGER NOT NULL, expires INTEGER NOT NULL,"
                    + " payload BLOB NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS hand_out ON message (priority DESC, seq)");
        }
        return db;
    }

    private double[] sqlite(int n, boolean every) throws Exception {
        Path dir = fresh("sqlite");
        try (Connection db = sqliteOpen(dir, every)) {
            long start = System.nanoTime();
            db.setAutoCommit(every);
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO message (priority, key, topic, accepted, expires, payload) VALUES (?,?,?,?,?,?)")) {
                for (int i = 0; i < n; i++) {
                    String key = "meter-" + (i % 4);
                    insert.setInt(1, i % 10);
                    insert.setString(2, key);
                    insert.setString(3, "d/" + key + "/telemetry");
                    insert.setLong(4, System.currentTimeMillis());
                    insert.setLong(5, 0);
                    insert.setBytes(6, payload());
                    insert.executeUpdate();
                    if (!every && (i + 1) % GROUP == 0) {
                        db.commit();
                    }
                }
                if (!every) {
                    db.commit();
                }
            }
            double append = n / seconds(start);
            // Drain: hand out a batch in priority order, then acknowledge it (one transaction per
            // batch, as the journal makes acknowledgements durable lazily).
            db.setAutoCommit(false);
            start = System.nanoTime();
            int drained = 0;
            try (PreparedStatement select = db.prepareStatement("SELECT seq, priority, key, topic, accepted, expires,"
                    + " payload FROM message ORDER BY priority DESC, seq LIMIT " + BATCH);
                 PreparedStatement delete = db.prepareStatement("DELETE FROM message WHERE seq = ?")) {
                while (true) {
                    List<Long> batch = new ArrayList<>();
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            batch.add(rows.getLong(1));
                            rows.getBytes(7);
                        }
                    }
                    if (batch.isEmpty()) {
                        break;
                    }
                    for (long seq : batch) {
                        delete.setLong(1, seq);
                        delete.executeUpdate();
                    }
                    db.commit();
                    drained += batch.size();
                }
            }
            if (drained != n) {
                throw new IllegalStateException("sqlite drained " + drained + " of " + n);
            }
            return new double[] {append, n / seconds(start)};
        }
    }

    /** Fills each store with {@code n} messages (grouped sync), then times opening it again. */
    private void recovery(int n) throws Exception {
        Path dir = fresh("journal");
        try (Journal journal = Journal.open(dir, settings(false), Clock.systemUTC())) {
            for (int i = 0; i < n; i++) {
                String key = "meter-" + (i % 4);
                journal.append(new SpoolMessage(key, "d/" + key + "/telemetry", payload(), i % 10, Instant.now(), null));
            }
        }
        dropCaches();
        long start = System.nanoTime();
        long held;
        try (Journal journal = Journal.open(dir, settings(false), Clock.systemUTC())) {
            held = journal.stats().messages();
        }
        double ms = seconds(start) * 1000;
        System.out.printf(Locale.ROOT, "%-44s %9d %14.0f %14.1f%n", "journal (scan + index)", held, ms, mib(dir));

        dir = fresh("sqlite");
        try (Connection db = sqliteOpen(dir, false)) {
            db.setAutoCommit(false);
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO message (priority, key, topic, accepted, expires, payload) VALUES (?,?,?,?,?,?)")) {
                for (int i = 0; i < n; i++) {
                    insert.setInt(1, i % 10);
                    insert.setString(2, "meter-" + (i % 4));
                    insert.setString(3, "d/meter-" + (i % 4) + "/telemetry");
                    insert.setLong(4, System.currentTimeMillis());
                    insert.setLong(5, 0);
                    insert.setBytes(6, payload());
                    insert.executeUpdate();
                    if ((i + 1) % 10_000 == 0) {
                        db.commit();
                    }
                }
                db.commit();
            }
        }
        dropCaches();
        start = System.nanoTime();
        try (Connection db = sqliteOpen(dir, false); Statement s = db.createStatement();
             ResultSet rows = s.executeQuery("SELECT seq, priority FROM message ORDER BY priority DESC, seq LIMIT 256")) {
            held = 0;
            while (rows.next()) {
                held++;
            }
        }
        ms = seconds(start) * 1000;
        System.out.printf(Locale.ROOT, "%-44s %9d %14.0f %14.1f%n", "sqlite WAL (open + first batch)", n, ms, mib(dir));
    }

    /**
     * Cold-cache recovery only when asked (SPOOL_BENCH_DROP_CACHES=1, root): dropping the page
     * cache slows down everything else on the machine, so by default recovery is warm-cache.
     */
    private static void dropCaches() {
        if (!"1".equals(System.getenv("SPOOL_BENCH_DROP_CACHES"))) {
            return;
        }
        try {
            new ProcessBuilder("sync").start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException | InterruptedException e) {
            System.out.println("# page cache not dropped (" + e.getMessage() + "): recovery times are warm-cache");
        }
    }

    private static double mib(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum() / 1048576.0;
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
