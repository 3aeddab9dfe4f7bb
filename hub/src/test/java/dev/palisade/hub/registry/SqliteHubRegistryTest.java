package dev.palisade.hub.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteHubRegistryTest {
    @TempDir
    Path dir;

    private static CaRecord pending(String name, String thumbprint, String code, Instant now) {
        return new CaRecord(name, "CN=" + name, thumbprint, new byte[] {1}, CaStatus.PENDING, code, now,
                now.plus(Duration.ofHours(1)), now, null);
    }

    @Test
    void aCodeIsConsumedOnceAndRememberedAsUsed() throws Exception {
        Instant now = Instant.now();
        try (SqliteHubRegistry r = SqliteHubRegistry.open(dir.resolve("r.db"))) {
            r.addCa(pending("A", "t1", "CODE1", now));
            assertFalse(r.consumeVerificationCode("A", "WRONG", now));
            assertFalse(r.consumeVerificationCode("A", "CODE1", now.plus(Duration.ofHours(2))), "expired");
            assertTrue(r.consumeVerificationCode("A", "CODE1", now));
            assertFalse(r.consumeVerificationCode("A", "CODE1", now), "single use");
            assertTrue(r.wasCodeUsed("CODE1"));
            assertEquals(CaStatus.VERIFIED, r.findCa("A").orElseThrow().status());
        }
    }

    @Test
    void duplicatesAreConflictsNamingTheExistingEntry() throws Exception {
        Instant now = Instant.now();
        try (SqliteHubRegistry r = SqliteHubRegistry.open(dir.resolve("r.db"))) {
            r.addCa(pending("A", "t1", "C", now));
            RegistryException sameCert = assertThrows(RegistryException.class, () -> r.addCa(pending("B", "t1", "D", now)));
            assertEquals(RegistryException.Reason.CONFLICT, sameCert.reason());
            assertTrue(sameCert.getMessage().contains("already registered as 'A'"), sameCert.getMessage());
            r.addDevice(new DeviceRecord("d1", Role.DEVICE, CredentialKind.SELF_SIGNED, "p1", new byte[] {1}, null,
                    null, null, now));
            RegistryException thumb = assertThrows(RegistryException.class, () -> r.addDevice(new DeviceRecord("d2",
                    Role.DEVICE, CredentialKind.SELF_SIGNED, "x", new byte[] {1}, "p1", new byte[] {1}, null, now)));
            assertTrue(thumb.getMessage().contains("device 'd1'"), thumb.getMessage());
        }
    }

    @Test
    void trustGenerationMovesOnlyWhenTrustChanges() throws Exception {
        Instant now = Instant.now();
        try (SqliteHubRegistry r = SqliteHubRegistry.open(dir.resolve("r.db"))) {
            long g0 = r.trustGeneration();
            r.addDevice(new DeviceRecord("t", Role.DEVICE, CredentialKind.TOKEN, null, null, null, null, "h", now));
            assertEquals(g0, r.trustGeneration(), "a token device changes nothing the TLS layer accepts");
            r.addCa(pending("A", "t1", "C", now));
            assertTrue(r.trustGeneration() > g0);
        }
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
