package dev.palisade.hub.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.sqlite.SQLiteConfig;

import dev.palisade.hub.registry.RegistryException.Reason;

/**
 * The registry in one SQLite database file (the default).
 *
 * <p>Why SQLite: the hub process and the {@code palisade-hub} admin commands open the same
 * file at the same time, and SQLite's own file locking makes that safe without an admin
 * protocol of our own. In WAL mode with {@code synchronous=FULL} a committed transaction
 * survives a kill -9 or a power cut, and an interrupted one is rolled back on the next open.
 * Every method is one transaction; nothing is cached, so what the admin command changed is
 * what the next gateway connection sees.
 */
public final class SqliteHubRegistry implements HubRegistry {
    private static final int SCHEMA_VERSION = 1;
    private final Path file;
    private final Connection connection;

    private SqliteHubRegistry(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /**
     * Opens (creating if needed) the registry database.
     *
     * @throws RegistryException UNAVAILABLE naming the file when it cannot be opened
     */
    public static SqliteHubRegistry open(Path file) throws RegistryException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(10_000);
            config.enforceForeignKeys(true);
            // IMMEDIATE: a read-modify-write transaction takes the write lock up front, so two
            // processes consuming the same verification code cannot both succeed.
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            SqliteHubRegistry registry = new SqliteHubRegistry(file, c);
            registry.migrate();
            return registry;
        } catch (SQLException | java.io.IOException e) {
            throw new RegistryException(Reason.UNAVAILABLE,
                    "cannot open the hub registry " + file + ": " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException, RegistryException {
        try (Statement s = connection.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new RegistryException(Reason.UNAVAILABLE, "the hub registry " + file + " has schema version "
                        + version + ", newer than this hub understands (" + SCHEMA_VERSION + ")");
            }
            if (version == SCHEMA_VERSION) {
                return;
            }
            connection.setAutoCommit(false);
            s.executeUpdate("""
                    CREATE TABLE ca (name TEXT PRIMARY KEY, subject TEXT NOT NULL, thumbprint TEXT NOT NULL UNIQUE,
                      certificate BLOB NOT NULL, status TEXT NOT NULL, code TEXT, code_issued INTEGER,
                      code_expires INTEGER, created INTEGER NOT NULL, verified INTEGER)""");
            s.executeUpdate("CREATE TABLE used_code (code TEXT PRIMARY KEY, ca TEXT NOT NULL, used INTEGER NOT NULL)");
            s.executeUpdate("""
                    CREATE TABLE device (id TEXT PRIMARY KEY, role TEXT NOT NULL, kind TEXT NOT NULL,
                      primary_thumbprint TEXT UNIQUE, primary_certificate BLOB, secondary_thumbprint TEXT UNIQUE,
                      secondary_certificate BLOB, token_hash TEXT, created INTEGER NOT NULL)""");
            s.executeUpdate("""
                    CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
                      action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL, detail TEXT)""");
            s.executeUpdate("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            s.executeUpdate("INSERT INTO meta VALUES ('trust_generation', 1)");
            s.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException, RegistryException;
    }

    /** Runs one transaction; SQLITE_CONSTRAINT becomes CONFLICT, anything else UNAVAILABLE. */
    private synchronized <T> T transaction(String what, Work<T> work) throws RegistryException {
        try {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RegistryException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("CONSTRAINT")) {
                throw new RegistryException(Reason.CONFLICT, what + ": already registered (" + e.getMessage() + ")", e);
            }
            throw new RegistryException(Reason.UNAVAILABLE, what + ": the hub registry " + file
                    + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** A read: one statement in autocommit mode, so it takes no write lock (WAL readers never block). */
    private synchronized <T> T read(String what, Work<T> work) throws RegistryException {
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new RegistryException(Reason.UNAVAILABLE, what + ": the hub registry " + file
                    + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static void bumpTrust(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE meta SET value = value + 1 WHERE key = 'trust_generation'");
        }
    }

    private static Long millis(Instant i) {
        return i == null ? null : i.toEpochMilli();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void set(PreparedStatement p, int index, Object value) throws SQLException {
        p.setObject(index, value);
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement p = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            set(p, i + 1, args[i]);
        }
        return p;
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = prepare(c, sql, args)) {
            return p.executeUpdate();
        }
    }

    // ---- CAs

    @Override
    public void addCa(CaRecord ca) throws RegistryException {
        transaction("add CA '" + ca.name() + "'", c -> {
            try (PreparedStatement p = prepare(c, "SELECT name FROM ca WHERE name = ? OR thumbprint = ?", ca.name(),
                    ca.thumbprint()); ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    String existing = rs.getString(1);
                    throw new RegistryException(Reason.CONFLICT, existing.equals(ca.name())
                            ? "a CA named '" + ca.name() + "' is already registered"
                            : "this CA certificate is already registered as '" + existing + "'");
                }
            }
            update(c, "INSERT INTO ca VALUES (?,?,?,?,?,?,?,?,?,?)", ca.name(), ca.subject(), ca.thumbprint(),
                    ca.certificate(), ca.status().name(), ca.code(), millis(ca.codeIssued()), millis(ca.codeExpires()),
                    millis(ca.created()), millis(ca.verified()));
            bumpTrust(c);
            return null;
        });
    }

    private static CaRecord ca(ResultSet rs) throws SQLException {
        return new CaRecord(rs.getString("name"), rs.getString("subject"), rs.getString("thumbprint"),
                rs.getBytes("certificate"), CaStatus.valueOf(rs.getString("status")), rs.getString("code"),
                instant(rs, "code_issued"), instant(rs, "code_expires"), instant(rs, "created"),
                instant(rs, "verified"));
    }

    private List<CaRecord> queryCas(String where, Object... args) throws RegistryException {
        return query("read CAs", "SELECT * FROM ca " + where + " ORDER BY name", SqliteHubRegistry::ca, args);
    }

    @FunctionalInterface
    private interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Every row of one query, mapped, in one read. */
    private <T> List<T> query(String what, String sql, Row<T> row, Object... args) throws RegistryException {
        return read(what, c -> {
            List<T> list = new ArrayList<>();
            try (PreparedStatement p = prepare(c, sql, args); ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    list.add(row.map(rs));
                }
            }
            return list;
        });
    }

    @Override
    public Optional<CaRecord> findCa(String name) throws RegistryException {
        return queryCas("WHERE name = ?", name).stream().findFirst();
    }

    @Override
    public Optional<CaRecord> findCaByThumbprint(String thumbprint) throws RegistryException {
        return queryCas("WHERE thumbprint = ?", thumbprint).stream().findFirst();
    }

    @Override
    public List<CaRecord> listCas() throws RegistryException {
        return queryCas("");
    }

    @Override
    public void setVerificationCode(String caName, String code, Instant issued, Instant expires)
            throws RegistryException {
        transaction("new verification code for CA '" + caName + "'", c -> {
            if (update(c, "UPDATE ca SET code = ?, code_issued = ?, code_expires = ? WHERE name = ?", code,
                    millis(issued), millis(expires), caName) == 0) {
                throw new RegistryException(Reason.NOT_FOUND, "no CA named '" + caName + "'");
            }
            return null;
        });
    }

    @Override
    public boolean consumeVerificationCode(String caName, String code, Instant now) throws RegistryException {
        return transaction("verify CA '" + caName + "'", c -> {
            int changed = update(c, "UPDATE ca SET status = 'VERIFIED', verified = ?, code = NULL, code_issued = NULL,"
                    + " code_expires = NULL WHERE name = ? AND status = 'PENDING' AND code = ? AND code_expires > ?",
                    now.toEpochMilli(), caName, code, now.toEpochMilli());
            if (changed == 1) {
                update(c, "INSERT INTO used_code VALUES (?,?,?)", code, caName, now.toEpochMilli());
                bumpTrust(c);
            }
            return changed == 1;
        });
    }

    @Override
    public boolean wasCodeUsed(String code) throws RegistryException {
        return read("look up a used code", c -> {
            try (PreparedStatement p = prepare(c, "SELECT 1 FROM used_code WHERE code = ?", code);
                    ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void setCaStatus(String caName, CaStatus status) throws RegistryException {
        transaction("set CA '" + caName + "' " + status, c -> {
            if (update(c, "UPDATE ca SET status = ? WHERE name = ?", status.name(), caName) == 0) {
                throw new RegistryException(Reason.NOT_FOUND, "no CA named '" + caName + "'");
            }
            bumpTrust(c);
            return null;
        });
    }

    @Override
    public boolean removeCa(String caName) throws RegistryException {
        return transaction("remove CA '" + caName + "'", c -> {
            boolean removed = update(c, "DELETE FROM ca WHERE name = ?", caName) == 1;
            if (removed) {
                bumpTrust(c);
            }
            return removed;
        });
    }

    // ---- devices

    @Override
    public void addDevice(DeviceRecord d) throws RegistryException {
        transaction("add device '" + d.id() + "'", c -> {
            for (String t : new String[] {d.primaryThumbprint(), d.secondaryThumbprint()}) {
                if (t == null) {
                    continue;
                }
                try (PreparedStatement p = prepare(c,
                        "SELECT id FROM device WHERE primary_thumbprint = ? OR secondary_thumbprint = ?", t, t);
                        ResultSet rs = p.executeQuery()) {
                    if (rs.next()) {
                        throw new RegistryException(Reason.CONFLICT,
                                "certificate " + t + " is already registered to device '" + rs.getString(1) + "'");
                    }
                }
            }
            update(c, "INSERT INTO device VALUES (?,?,?,?,?,?,?,?,?)", d.id(), d.role().name(), d.kind().name(),
                    d.primaryThumbprint(), d.primaryCertificate(), d.secondaryThumbprint(), d.secondaryCertificate(),
                    d.tokenHash(), millis(d.created()));
            if (d.kind() == CredentialKind.SELF_SIGNED) {
                bumpTrust(c);
            }
            return null;
        });
    }

    private static DeviceRecord device(ResultSet rs) throws SQLException {
        return new DeviceRecord(rs.getString("id"), Role.valueOf(rs.getString("role")),
                CredentialKind.valueOf(rs.getString("kind")), rs.getString("primary_thumbprint"),
                rs.getBytes("primary_certificate"), rs.getString("secondary_thumbprint"),
                rs.getBytes("secondary_certificate"), rs.getString("token_hash"), instant(rs, "created"));
    }

    private List<DeviceRecord> queryDevices(String where, Object... args) throws RegistryException {
        return query("read devices", "SELECT * FROM device " + where + " ORDER BY id", SqliteHubRegistry::device, args);
    }

    @Override
    public Optional<DeviceRecord> findDevice(String id) throws RegistryException {
        return queryDevices("WHERE id = ?", id).stream().findFirst();
    }

    @Override
    public Optional<DeviceRecord> findDeviceByThumbprint(String thumbprint) throws RegistryException {
        return queryDevices("WHERE primary_thumbprint = ? OR secondary_thumbprint = ?", thumbprint, thumbprint)
                .stream().findFirst();
    }

    @Override
    public List<DeviceRecord> listDevices() throws RegistryException {
        return queryDevices("");
    }

    @Override
    public boolean removeDevice(String id) throws RegistryException {
        return transaction("remove device '" + id + "'", c -> {
            boolean removed = update(c, "DELETE FROM device WHERE id = ?", id) == 1;
            if (removed) {
                bumpTrust(c);
            }
            return removed;
        });
    }

    // ---- audit and generation

    @Override
    public void audit(AuditEntry e) throws RegistryException {
        transaction("write the audit log", c -> update(c,
                "INSERT INTO audit (at, actor, action, target, outcome, detail) VALUES (?,?,?,?,?,?)",
                millis(e.at()), e.actor(), e.action(), e.target(), e.outcome(), e.detail()));
    }

    @Override
    public List<AuditEntry> auditLog(int limit) throws RegistryException {
        return query("read the audit log", "SELECT * FROM (SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                rs -> new AuditEntry(rs.getLong("seq"), instant(rs, "at"), rs.getString("actor"), rs.getString("action"),
                        rs.getString("target"), rs.getString("outcome"), rs.getString("detail")), limit);
    }

    @Override
    public long trustGeneration() throws RegistryException {
        return read("read the trust generation", c -> {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'trust_generation'")) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // Closing only releases the file; committed data is already on disk.
        }
    }
}
