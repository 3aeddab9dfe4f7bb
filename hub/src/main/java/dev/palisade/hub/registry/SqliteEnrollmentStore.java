package dev.palisade.hub.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.sqlite.SQLiteConfig;

import dev.palisade.hub.registry.RegistryException.Reason;

/**
 * {@link EnrollmentStore} in the registry's SQLite file, in tables of its own ({@code challenge},
 * {@code child}, {@code revoked_cert}, {@code ca_parent_policy}, {@code device_parent}) created
 * (and columns added) if missing, so the registry's schema and its
 * version are untouched.
 * Its own connection, with the registry's settings (WAL, synchronous=FULL, IMMEDIATE
 * transactions): consuming a challenge is one write transaction whose row count decides.
 */
public final class SqliteEnrollmentStore implements EnrollmentStore {
    private final Path file;
    private final Connection connection;

    private SqliteEnrollmentStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens the store in the registry database {@code file}, creating its tables if needed. */
    public static SqliteEnrollmentStore open(Path file) throws RegistryException {
        try {
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(10_000);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS challenge (enrollment BLOB PRIMARY KEY, gateway TEXT NOT NULL,
                          child TEXT NOT NULL, mode TEXT NOT NULL, nonce BLOB NOT NULL, chain BLOB NOT NULL,
                          expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0)""");
                s.executeUpdate("CREATE INDEX IF NOT EXISTS challenge_by_child ON challenge (gateway, child)");
                // The purge at every request scans by expiry: without this index it reads the whole table.
                s.executeUpdate("CREATE INDEX IF NOT EXISTS challenge_by_expiry ON challenge (expires)");
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS child (id TEXT PRIMARY KEY, gateway TEXT NOT NULL, mode TEXT NOT NULL,
                          leaf BLOB NOT NULL, enrolled INTEGER NOT NULL)""");
                s.executeUpdate("CREATE INDEX IF NOT EXISTS child_by_gateway ON child (gateway, id)");
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS revoked_cert (thumbprint TEXT PRIMARY KEY, subject TEXT NOT NULL,
                          issuer TEXT NOT NULL, serial TEXT NOT NULL, revoked INTEGER NOT NULL)""");
                // gateways: comma-separated ids, or NULL for "gateways under the same CA".
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS ca_parent_policy (ca TEXT PRIMARY KEY, gateways TEXT,
                          attest INTEGER NOT NULL)""");
                s.executeUpdate("CREATE TABLE IF NOT EXISTS device_parent (device TEXT PRIMARY KEY, gateway TEXT NOT NULL)");
                // Added after the first release of the table: the CA a relation depends on and the leaf's notAfter.
                Set<String> columns = new HashSet<>();
                try (ResultSet rs = s.executeQuery("PRAGMA table_info(child)")) {
                    while (rs.next()) {
                        columns.add(rs.getString("name"));
                    }
                }
                if (!columns.contains("ca")) {
                    s.executeUpdate("ALTER TABLE child ADD COLUMN ca TEXT");
                }
                if (!columns.contains("not_after")) {
                    s.executeUpdate("ALTER TABLE child ADD COLUMN not_after INTEGER");
                }
            }
            return new SqliteEnrollmentStore(file, c);
        } catch (SQLException e) {
            throw new RegistryException(Reason.UNAVAILABLE, "cannot open the enrollment tables of " + file + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private synchronized <T> T transaction(String what, Work<T> work) throws RegistryException {
        try {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new RegistryException(Reason.UNAVAILABLE, what + ": the hub registry " + file + " cannot be used: "
                    + e.getMessage(), e);
        }
    }

    /** A read: one statement in autocommit mode, no write lock (WAL readers never block). */
    private synchronized <T> T read(String what, Work<T> work) throws RegistryException {
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new RegistryException(Reason.UNAVAILABLE, what + ": the hub registry " + file + " cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement p = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            p.setObject(i + 1, args[i]);
        }
        return p;
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement p = prepare(c, sql, args)) {
            return p.executeUpdate();
        }
    }

    @Override
    public void openChallenges(List<Challenge> challenges, Instant purgeBefore) throws RegistryException {
        if (challenges.isEmpty()) {
            return;
        }
        transaction("recording " + challenges.size() + " challenge(s), the first for '" + challenges.get(0).child() + "'", c -> {
            update(c, "DELETE FROM challenge WHERE expires < ?", purgeBefore.toEpochMilli());
            try (PreparedStatement void_ = c.prepareStatement("DELETE FROM challenge WHERE gateway = ? AND child = ? AND used = 0");
                    PreparedStatement insert = c.prepareStatement("INSERT INTO challenge (enrollment, gateway, child, mode, nonce,"
                            + " chain, expires) VALUES (?,?,?,?,?,?,?)")) {
                for (Challenge ch : challenges) {
                    void_.setString(1, ch.gateway());
                    void_.setString(2, ch.child());
                    void_.executeUpdate();
                    insert.setBytes(1, ch.enrollment());
                    insert.setString(2, ch.gateway());
                    insert.setString(3, ch.child());
                    insert.setString(4, ch.mode());
                    insert.setBytes(5, ch.nonce());
                    insert.setBytes(6, ch.chain());
                    insert.setLong(7, ch.expires().toEpochMilli());
                    insert.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public List<Consumed> consumeAll(String gateway, List<ProofKey> keys) throws RegistryException {
        if (keys.isEmpty()) {
            return List.of();
        }
        return transaction("consuming " + keys.size() + " challenge(s), the first of '" + keys.get(0).child() + "'", c -> {
            List<Consumed> out = new ArrayList<>(keys.size());
            try (PreparedStatement select = c.prepareStatement("SELECT mode, nonce, chain, expires, used FROM challenge"
                    + " WHERE enrollment = ? AND gateway = ? AND child = ?");
                    PreparedStatement use = c.prepareStatement("UPDATE challenge SET used = 1 WHERE enrollment = ? AND used = 0")) {
                for (ProofKey key : keys) {
                    select.setBytes(1, key.enrollment());
                    select.setString(2, gateway);
                    select.setString(3, key.child());
                    Challenge found;
                    boolean used;
                    try (ResultSet rs = select.executeQuery()) {
                        if (!rs.next()) {
                            out.add(new Consumed(Consumption.UNKNOWN, null));
                            continue;
                        }
                        found = new Challenge(key.enrollment(), gateway, key.child(), rs.getString(1), rs.getBytes(2),
                                rs.getBytes(3), Instant.ofEpochMilli(rs.getLong(4)));
                        used = rs.getInt(5) != 0;
                    }
                    use.setBytes(1, key.enrollment());
                    boolean consumed = !used && use.executeUpdate() == 1;
                    out.add(new Consumed(consumed ? Consumption.CONSUMED : Consumption.ALREADY_USED, found));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<String> parentOf(String child) throws RegistryException {
        return read("reading the parent of '" + child + "'", c -> {
            try (PreparedStatement p = prepare(c, "SELECT gateway FROM child WHERE id = ?", child); ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
            }
        });
    }

    @Override
    public Optional<Relation> relationOf(String child) throws RegistryException {
        return read("reading the relation of '" + child + "'", c -> {
            try (PreparedStatement p = prepare(c, "SELECT gateway, ca, not_after FROM child WHERE id = ?", child);
                    ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return Optional.<Relation>empty();
                }
                long notAfter = rs.getLong(3);
                Instant expiry = rs.wasNull() ? null : Instant.ofEpochMilli(notAfter);
                return Optional.of(new Relation(rs.getString(1), rs.getString(2), expiry));
            }
        });
    }

    @Override
    public void setDeviceParent(String device, String gateway) throws RegistryException {
        transaction("fixing the parent of device '" + device + "'", c -> gateway == null
                ? update(c, "DELETE FROM device_parent WHERE device = ?", device)
                : update(c, "INSERT OR REPLACE INTO device_parent (device, gateway) VALUES (?,?)", device, gateway));
    }

    @Override
    public java.util.Map<String, String> deviceParents() throws RegistryException {
        return read("reading the devices' fixed parents", c -> {
            java.util.Map<String, String> out = new java.util.HashMap<>();
            try (PreparedStatement p = c.prepareStatement("SELECT device, gateway FROM device_parent");
                    ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    @Override
    public List<Boolean> recordChildren(String gateway, List<ChildRecord> children) throws RegistryException {
        if (children.isEmpty()) {
            return List.of();
        }
        return transaction("recording " + children.size() + " child(ren) of '" + gateway + "', the first '"
                + children.get(0).child() + "'", c -> {
            List<Boolean> out = new ArrayList<>(children.size());
            try (PreparedStatement parent = c.prepareStatement("SELECT gateway FROM child WHERE id = ?");
                    PreparedStatement upsert = c.prepareStatement("INSERT OR REPLACE INTO child (id, gateway, mode, leaf, enrolled,"
                            + " ca, not_after) VALUES (?,?,?,?,?,?,?)")) {
                for (ChildRecord child : children) {
                    parent.setString(1, child.child());
                    try (ResultSet rs = parent.executeQuery()) {
                        if (rs.next() && !rs.getString(1).equals(gateway)) {
                            out.add(false);
                            continue;
                        }
                    }
                    upsert.setString(1, child.child());
                    upsert.setString(2, gateway);
                    upsert.setString(3, child.mode());
                    upsert.setBytes(4, child.leaf());
                    upsert.setLong(5, child.enrolled().toEpochMilli());
                    upsert.setString(6, child.ca());
                    upsert.setObject(7, child.notAfter() == null ? null : child.notAfter().toEpochMilli());
                    upsert.executeUpdate();
                    out.add(true);
                }
            }
            return out;
        });
    }

    @Override
    public Optional<ChildRecord> removeChild(String child) throws RegistryException {
        return transaction("removing child '" + child + "'", c -> {
            Optional<ChildRecord> found = children(c, "SELECT id, gateway, mode, leaf, enrolled, ca, not_after FROM child WHERE id = ?", child)
                    .stream().findFirst();
            if (found.isPresent()) {
                update(c, "DELETE FROM child WHERE id = ?", child);
            }
            return found;
        });
    }

    @Override
    public List<ChildRecord> listChildren(String gateway) throws RegistryException {
        return read("listing children", c -> gateway == null
                ? children(c, "SELECT id, gateway, mode, leaf, enrolled, ca, not_after FROM child ORDER BY id")
                : children(c, "SELECT id, gateway, mode, leaf, enrolled, ca, not_after FROM child WHERE gateway = ? ORDER BY id", gateway));
    }

    private static List<ChildRecord> children(Connection c, String sql, Object... args) throws SQLException {
        List<ChildRecord> out = new ArrayList<>();
        try (PreparedStatement p = prepare(c, sql, args); ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                long notAfter = rs.getLong(7);
                Instant expiry = rs.wasNull() ? null : Instant.ofEpochMilli(notAfter);
                out.add(new ChildRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                        Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6), expiry));
            }
        }
        return out;
    }

    @Override
    public List<ChildRecord> revoke(RevokedCertificate cert) throws RegistryException {
        List<ChildRecord> removed = new ArrayList<>();
        boolean inserted = transaction("revoking certificate " + cert.thumbprint(), c -> {
            if (update(c, "INSERT OR IGNORE INTO revoked_cert (thumbprint, subject, issuer, serial, revoked) VALUES (?,?,?,?,?)",
                    cert.thumbprint(), cert.subject(), cert.issuer(), cert.serial(), cert.revoked().toEpochMilli()) != 1) {
                return false;
            }
            // A scan: revocation is rare and the child table holds no thumbprint column.
            for (ChildRecord child : children(c, "SELECT id, gateway, mode, leaf, enrolled, ca, not_after FROM child")) {
                if (thumbprint(child.leaf()).equals(cert.thumbprint())) {
                    update(c, "DELETE FROM child WHERE id = ?", child.child());
                    removed.add(child);
                }
            }
            return true;
        });
        if (!inserted) {
            throw new RegistryException(Reason.CONFLICT, "certificate " + cert.thumbprint() + " (" + cert.subject()
                    + ") is already revoked");
        }
        return removed;
    }

    @Override
    public void setParentPolicy(ParentPolicy policy) throws RegistryException {
        String gateways = policy.gateways() == null ? null : String.join(",", new java.util.TreeSet<>(policy.gateways()));
        transaction("setting the parent policy of CA " + policy.caThumbprint(), c -> update(c,
                "INSERT OR REPLACE INTO ca_parent_policy (ca, gateways, attest) VALUES (?,?,?)", policy.caThumbprint(), gateways,
                policy.attest() ? 1 : 0));
    }

    @Override
    public java.util.Map<String, ParentPolicy> parentPolicies() throws RegistryException {
        return read("reading the CAs' parent policies", c -> {
            java.util.Map<String, ParentPolicy> out = new java.util.HashMap<>();
            try (PreparedStatement p = c.prepareStatement("SELECT ca, gateways, attest FROM ca_parent_policy");
                    ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    String gateways = rs.getString(2);
                    out.put(rs.getString(1), new ParentPolicy(rs.getString(1), gateways == null ? null
                            : new java.util.TreeSet<>(gateways.isEmpty() ? List.of() : List.of(gateways.split(","))),
                            rs.getInt(3) != 0));
                }
            }
            return out;
        });
    }

    @Override
    public List<RevokedCertificate> listRevoked() throws RegistryException {
        return read("listing revoked certificates", c -> {
            List<RevokedCertificate> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT thumbprint, subject, issuer, serial, revoked FROM revoked_cert"
                    + " ORDER BY revoked, thumbprint"); ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new RevokedCertificate(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            Instant.ofEpochMilli(rs.getLong(5))));
                }
            }
            return out;
        });
    }

    @Override
    public Set<String> revokedAmong(List<String> thumbprints) throws RegistryException {
        return read("reading revoked certificates", c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM revoked_cert WHERE thumbprint = ?")) {
                for (String t : thumbprints) {
                    p.setString(1, t);
                    try (ResultSet rs = p.executeQuery()) {
                        if (rs.next()) {
                            out.add(t);
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public long externalChanges() throws RegistryException {
        return read("reading the database's change counter", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    static String thumbprint(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean removeChild(String gateway, String child) throws RegistryException {
        return transaction("removing '" + child + "' from '" + gateway + "'",
                c -> update(c, "DELETE FROM child WHERE id = ? AND gateway = ?", child, gateway) == 1);
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a connection we own; nothing is lost (every transaction committed or rolled back)
        }
    }
}
