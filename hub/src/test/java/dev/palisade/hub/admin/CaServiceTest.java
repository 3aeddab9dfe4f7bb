package dev.palisade.hub.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.SqliteHubRegistry;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/** The proof-of-possession checks that the end-to-end test does not reach. */
class CaServiceTest {
    private static final Duration YEAR = Duration.ofDays(365);
    @TempDir
    Path dir;
    SqliteHubRegistry registry;
    CaService service;
    TestCredential ca;

    @BeforeEach
    void setUp() throws Exception {
        registry = SqliteHubRegistry.open(dir.resolve("r.db"));
        service = new CaService(registry, Clock.systemUTC(), Duration.ofHours(1), "test");
        ca = TestPki.rootCa("Unit-CA", YEAR);
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    private String refusal(CaRecord pending, TestCredential proof) throws RegistryException {
        RegistryException e = assertThrows(RegistryException.class, () -> service.verify(pending.name(),
                proof.certificate()));
        assertEquals(RegistryException.Reason.REFUSED, e.reason());
        assertEquals(CaStatus.PENDING, service.list().get(0).status(), "a refusal leaves the CA pending");
        return e.getMessage();
    }

    @Test
    void aVerificationCertificateMadeBeforeTheCodeIsRefused() throws Exception {
        CaRecord pending = service.upload(null, ca.certificate());
        Instant now = Instant.now();
        TestCredential old = TestPki.leaf(ca, pending.code(), TestPki.Kind.DEVICE, now.minus(Duration.ofDays(2)),
                now.plus(YEAR));
        assertTrue(refusal(pending, old).contains("before its code was issued"));
    }

    @Test
    void anExpiredVerificationCertificateIsRefused() throws Exception {
        CaRecord pending = service.upload(null, ca.certificate());
        Instant now = Instant.now();
        TestCredential expired = TestPki.leaf(ca, pending.code(), TestPki.Kind.DEVICE, now.minusSeconds(60),
                now.minusSeconds(1));
        assertTrue(refusal(pending, expired).contains("expired"));
    }

    @Test
    void aNewCodeVoidsTheOldOne() throws Exception {
        CaRecord first = service.upload(null, ca.certificate());
        CaRecord second = service.newCode("Unit-CA");
        TestCredential oldProof = TestPki.verificationCertificate(ca, first.code(), YEAR);
        assertTrue(refusal(second, oldProof).contains("not CA 'Unit-CA''s current verification code"));
        service.verify("Unit-CA", TestPki.verificationCertificate(ca, second.code(), YEAR).certificate());
        assertEquals(CaStatus.VERIFIED, service.list().get(0).status());
    }

    @Test
    void aSameNamedCaWithAnotherKeyCannotProve() throws Exception {
        CaRecord pending = service.upload(null, ca.certificate());
        TestCredential twin = TestPki.rootCa("Unit-CA", YEAR);
        assertTrue(refusal(pending, TestPki.verificationCertificate(twin, pending.code(), YEAR))
                .contains("not signed with CA 'Unit-CA''s private key"));
    }

    @Test
    void aDisabledCaCannotBeVerified() throws Exception {
        CaRecord pending = service.upload(null, ca.certificate());
        service.disable("Unit-CA");
        RegistryException e = assertThrows(RegistryException.class, () -> service.verify("Unit-CA",
                TestPki.verificationCertificate(ca, pending.code(), YEAR).certificate()));
        assertTrue(e.getMessage().contains("disabled"), e.getMessage());
    }
}
