package dev.palisade.hub.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;

import org.sqlite.SQLiteConfig;

import dev.palisade.hub.registry.RegistryException.Reason;

/**
 * {@link EnrollmentStore} in the registry's SQLite file, in tables of its own ({@code challenge},
 * {@code child}) created if missing, so the registry's schema and its version are untouched.
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
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS child (id TEXT PRIMARY KEY, gateway TEXT NOT NULL, mode TEXT NOT NULL,
                          leaf BLOB NOT NULL, enrolled INTEGER NOT NULL)""");
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
    public void openChallenge(Challenge ch, Instant purgeBefore) throws RegistryException {
        transaction("recording a challenge for '" + ch.child() + "'", c -> {
            update(c, "DELETE FROM challenge WHERE expires < ?", purgeBefore.toEpochMilli());
            update(c, "DELETE FROM challenge WHERE gateway = ? AND child = ? AND used = 0", ch.gateway(), ch.child());
            return update(c, "INSERT INTO challenge (enrollment, gateway, child, mode, nonce, chain, expires) VALUES (?,?,?,?,?,?,?)",
                    ch.enrollment(), ch.gateway(), ch.child(), ch.mode(), ch.nonce(), ch.chain(), ch.expires().toEpochMilli());
        });
    }

    @Override
    public Consumed consume(byte[] enrollment, String gateway, String child) throws RegistryException {
        return transaction("consuming a challenge of '" + child + "'", c -> {
            Challenge found;
            boolean used;
            try (PreparedStatement p = prepare(c, "SELECT mode, nonce, chain, expires, used FROM challenge"
                    + " WHERE enrollment = ? AND gateway = ? AND child = ?", enrollment, gateway, child);
                    ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return new Consumed(Consumption.UNKNOWN, null);
                }
                found = new Challenge(enrollment, gateway, child, rs.getString(1), rs.getBytes(2), rs.getBytes(3),
                        Instant.ofEpochMilli(rs.getLong(4)));
                used = rs.getInt(5) != 0;
            }
            if (used || update(c, "UPDATE challenge SET used = 1 WHERE enrollment = ? AND used = 0", enrollment) != 1) {
                return new Consumed(Consumption.ALREADY_USED, found);
            }
            return new Consumed(Consumption.CONSUMED, found);
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
    public boolean recordChild(String gateway, String child, String mode, byte[] leaf, Instant at) throws RegistryException {
        return transaction("recording '" + child + "' as a child of '" + gateway + "'", c -> {
            try (PreparedStatement p = prepare(c, "SELECT gateway FROM child WHERE id = ?", child); ResultSet rs = p.executeQuery()) {
                if (rs.next() && !rs.getString(1).equals(gateway)) {
                    return false;
                }
            }
            update(c, "INSERT OR REPLACE INTO child (id, gateway, mode, leaf, enrolled) VALUES (?,?,?,?,?)",
                    child, gateway, mode, leaf, at.toEpochMilli());
            return true;
        });
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
