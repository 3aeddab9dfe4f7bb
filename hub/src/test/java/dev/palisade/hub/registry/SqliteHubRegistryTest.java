package dev.palisade.hub.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The contract, plus what SQLite promises on top: committed data survives kill -9. */
class SqliteHubRegistryTest extends HubRegistryContract {
    @Override
    protected HubRegistry open() throws RegistryException {
        return SqliteHubRegistry.open(dir.resolve("r.db"));
    }

    @Test
    void everyCommittedChangeSurvivesKillMinus9() throws Exception {
        Path db = dir.resolve("crash.db");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                RegistryWriterProcess.class.getName(), db.toString()).redirectErrorStream(true).start();
        int lastCommitted = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.matches("\\d+")) {
                    lastCommitted = Integer.parseInt(line);
                    if (lastCommitted >= 200) {
                        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close
                        break;
                    }
                }
            }
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(lastCommitted >= 200, "the writer never got going; last committed " + lastCommitted);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("PRAGMA integrity_check")) {
            assertTrue(rs.next());
            assertEquals("ok", rs.getString(1));
        }
        try (SqliteHubRegistry r = SqliteHubRegistry.open(db)) {
            for (int n = 0; n <= lastCommitted; n++) {
                assertTrue(r.findDevice("d-" + n).isPresent(), "committed device d-" + n + " lost");
            }
            assertTrue(r.auditLog(100_000).size() >= lastCommitted + 1);
        }
    }
}
