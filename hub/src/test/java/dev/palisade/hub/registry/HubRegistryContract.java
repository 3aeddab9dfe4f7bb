package dev.palisade.hub.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link HubRegistry} must do, whatever stores it: run it against a server-database
 * implementation by extending this class.
 */
public abstract class HubRegistryContract {
    @TempDir
    protected Path dir;

    /** A handle on the store under test, empty at the start of each test; two calls share one store. */
    protected abstract HubRegistry open() throws RegistryException;

    private static CaRecord pending(String name, String thumbprint, String code, Instant now) {
        return new CaRecord(name, "CN=" + name, thumbprint, new byte[] {1}, CaStatus.PENDING, code, now,
                now.plus(Duration.ofHours(1)), now, null);
    }

    @Test
    void aCodeIsConsumedOnceAndRememberedAsUsed() throws Exception {
        Instant now = Instant.now();
        try (HubRegistry r = open()) {
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
        try (HubRegistry r = open()) {
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
        try (HubRegistry r = open()) {
            long g0 = r.trustGeneration();
            r.addDevice(new DeviceRecord("t", Role.DEVICE, CredentialKind.TOKEN, null, null, null, null, "h", now));
            assertEquals(g0, r.trustGeneration(), "a token device changes nothing the TLS layer accepts");
            r.addCa(pending("A", "t1", "C", now));
            assertTrue(r.trustGeneration() > g0);
        }
    }


    @Test
    void twoHandlesRacingForOneCodeConsumeItOnce() throws Exception {
        Instant now = Instant.now();
        try (HubRegistry a = open(); HubRegistry b = open()) {
            a.addCa(pending("Race", "t-race", "RACE", now));
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var first = pool.submit(() -> {
                    go.await();
                    return a.consumeVerificationCode("Race", "RACE", now);
                });
                var second = pool.submit(() -> {
                    go.await();
                    return b.consumeVerificationCode("Race", "RACE", now);
                });
                go.countDown();
                assertTrue(first.get() ^ second.get(), "exactly one verification may consume the code");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void missingEntriesAreReportedNotInvented() throws Exception {
        try (HubRegistry r = open()) {
            assertFalse(r.removeCa("none"));
            assertFalse(r.removeDevice("none"));
            assertTrue(r.findCa("none").isEmpty());
            RegistryException e = assertThrows(RegistryException.class, () -> r.setCaStatus("none", CaStatus.DISABLED));
            assertEquals(RegistryException.Reason.NOT_FOUND, e.reason());
        }
    }

    @Test
    void aSecondaryThumbprintFindsItsDeviceAndTheAuditLogKeepsOrder() throws Exception {
        Instant now = Instant.now();
        try (HubRegistry r = open()) {
            r.addDevice(new DeviceRecord("d", Role.GATEWAY, CredentialKind.SELF_SIGNED, "p", new byte[] {1}, "s",
                    new byte[] {2}, null, now));
            assertEquals("d", r.findDeviceByThumbprint("s").orElseThrow().id());
            for (int i = 0; i < 5; i++) {
                r.audit(new AuditEntry(0, now, "t", "a" + i, "x", "ok", null));
            }
            var last = r.auditLog(2);
            assertEquals(2, last.size());
            assertEquals("a3", last.get(0).action());
            assertEquals("a4", last.get(1).action());
        }
    }
}
