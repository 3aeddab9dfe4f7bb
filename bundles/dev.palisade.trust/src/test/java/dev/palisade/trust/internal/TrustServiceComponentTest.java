package dev.palisade.trust.internal;

import dev.palisade.testkit.TypedConfigs;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RejectedCertificateException;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.Verdict;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trust service and its domain and deny-list components as plain objects with typed configurations. */
class TrustServiceComponentTest {

    private static final Clock CLOCK = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);

    @TempDir
    Path etc;

    private final TestPki.Issued rootA = root("Root A").issue();
    private final TestPki.Issued caA = intermediate("Issuing CA A", rootA).issue();
    private final BigInteger deviceSerial = BigInteger.valueOf(424_242);
    private final TestPki.Issued deviceA;
    private final TestPki.Issued rootB = root("Root B").issue();
    private final TrustServiceComponent service = new TrustServiceComponent(
            TypedConfigs.of(TrustServiceComponent.Config.class, Map.of()), CLOCK);

    TrustServiceComponentTest() {
        TestPki.Spec spec = leaf("device-a", caA);
        spec.serial = deviceSerial;
        deviceA = spec.issue();
    }

    private TrustDomainComponent domain(String name, Map<String, Object> values) {
        Map<String, Object> all = new HashMap<>(values);
        all.put("name", name);
        all.put("files_check_interval_ms", 0L);
        TrustDomainComponent domain = new TrustDomainComponent(TypedConfigs.of(TrustDomainComponent.Config.class, all), etc, CLOCK);
        service.addDomain(domain);
        return domain;
    }

    private TrustDomainComponent domainA() {
        TrustFiles.certificates(etc.resolve("a.pem"), rootA);
        return domain("plant-a", Map.of("anchors", new String[] {"a.pem"}));
    }

    private Verdict verify(String domain, TestPki.Issued... chain) {
        return service.verify(new TrustRequest(domain, List.of(chain).stream().map(TestPki.Issued::der).toList(),
                Purpose.CLIENT, null, null));
    }

    @Test
    void withNoDomainEveryRequestIsAnUnknownDomainAndTheServiceIsUp() {
        Verdict verdict = verify("plant-a", deviceA, caA);
        assertEquals(RejectReason.UNKNOWN_DOMAIN, verdict.reason());
        assertTrue(verdict.message().contains("none is"), verdict.message());
        assertEquals(Health.UP, service.health().health());
        assertEquals(List.of(), service.domains());
    }

    @Test
    void requestsAreRoutedToTheirDomainByName() {
        domainA();
        TrustFiles.certificates(etc.resolve("b.pem"), rootB);
        domain("plant-b", Map.of("anchors", new String[] {"b.pem"}));

        Verdict accepted = verify("plant-a", deviceA, caA);
        assertTrue(accepted.accepted(), accepted::message);
        assertEquals("device-a", accepted.deviceIdentity());
        assertEquals(RejectReason.NO_PATH, verify("plant-b", deviceA, caA).reason());
        Verdict unknown = verify("plant-c", deviceA, caA);
        assertEquals(RejectReason.UNKNOWN_DOMAIN, unknown.reason());
        assertTrue(unknown.message().contains("configured: plant-a, plant-b"), unknown.message());
        assertEquals(List.of("plant-a", "plant-b"), service.domains().stream().map(TrustDomainInfo::name).toList());
        assertEquals(Health.UP, service.health().health());
    }

    @Test
    void aCachedVerdictIsDroppedWhenTheAnchorFileChanges() {
        domainA();
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        assertEquals(1, service.cached());
        assertTrue(verify("plant-a", deviceA, caA).accepted(), "second time from the cache");
        assertEquals(1, service.cached());

        TrustFiles.certificates(etc.resolve("a.pem"), rootB);
        assertEquals(RejectReason.NO_PATH, verify("plant-a", deviceA, caA).reason(), "the new anchor applies at once");
        assertTrue(service.domain("plant-a").orElseThrow().anchors().get(0)
                .getSubjectX500Principal().getName().contains("CN=Root B"));
    }

    @Test
    void aCachedVerdictIsDroppedWhenTheCrlFileChanges() {
        Instant before = TestPki.NOW.minus(Duration.ofDays(1));
        Instant after = TestPki.NOW.plus(Duration.ofDays(1));
        TrustFiles.certificates(etc.resolve("a.pem"), rootA);
        TrustFiles.write(etc.resolve("a.crl"), TrustFiles.pem("X509 CRL", TestPki.crl(rootA, before, after),
                TestPki.crl(caA, before, after)));
        domain("plant-a", Map.of("anchors", new String[] {"a.pem"}, "crls", new String[] {"a.crl"},
                "revocation", "crl-fail-closed"));
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        assertEquals(1, service.cached());

        TrustFiles.write(etc.resolve("a.crl"), TrustFiles.pem("X509 CRL", TestPki.crl(rootA, before, after),
                TestPki.crl(caA, before, after, deviceSerial)));
        Verdict revoked = verify("plant-a", deviceA, caA);
        assertEquals(RejectReason.REVOKED, revoked.reason(), revoked::message);
        assertTrue(revoked.message().contains("a.crl"), revoked.message());
    }

    @Test
    void aDenyListEntryAppliesAtOnceAlsoToACachedVerdict() {
        domainA();
        DenyListComponent denyList = new DenyListComponent(TypedConfigs.of(DenyListComponent.Config.class, Map.of()));
        service.setDenyList(denyList);
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        assertEquals(1, service.cached());

        // Applied in place, as @Modified does, without telling the service: the cached entry must not survive it.
        String fingerprint = Text.hex(Cert.sha256(deviceA.der()));
        denyList.modified(TypedConfigs.of(DenyListComponent.Config.class, Map.of("fingerprints", new String[] {fingerprint})));
        Verdict denied = verify("plant-a", deviceA, caA);
        assertEquals(RejectReason.DENIED, denied.reason(), denied::message);
        assertEquals(0, denied.certificateIndex());
        assertEquals(1, service.domain("plant-a").orElseThrow().denyListEntries());

        denyList.modified(TypedConfigs.of(DenyListComponent.Config.class, Map.of("issuer_serials",
                new String[] {"67c32/CN=Issuing CA A,O=Test; " + deviceSerial.toString(16) + "/CN=Issuing CA A,O=Test"})));
        assertEquals(RejectReason.DENIED, verify("plant-a", deviceA, caA).reason(), "by issuer and serial");

        denyList.modified(TypedConfigs.of(DenyListComponent.Config.class, Map.of()));
        assertTrue(verify("plant-a", deviceA, caA).accepted(), "entry removed");
    }

    @Test
    void anUnreadableDenyListRefusesEverything() {
        domainA();
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        service.setDenyList(new DenyListComponent(TypedConfigs.of(DenyListComponent.Config.class,
                Map.of("fingerprints", new String[] {"not-hex"}))));
        Verdict verdict = verify("plant-a", deviceA, caA);
        assertEquals(RejectReason.DENIED, verdict.reason());
        assertTrue(verdict.message().contains("'not-hex'"), verdict.message());
        assertEquals(Health.DOWN, service.health().health());
    }

    @Test
    void aMalformedOrMissingPemMakesTheDomainDownAndFailClosedUntilItIsFixed() {
        TrustFiles.write(etc.resolve("a.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        domain("plant-a", Map.of("anchors", new String[] {"a.pem"}));
        Verdict verdict = verify("plant-a", deviceA, caA);
        assertEquals(RejectReason.NO_PATH, verdict.reason());
        assertTrue(verdict.message().startsWith("trust domain 'plant-a' is down: " + etc.resolve("a.pem")), verdict.message());
        assertTrue(verdict.message().contains("not valid base64"), verdict.message());
        HealthReport health = service.health();
        assertEquals(Health.DOWN, health.health());
        assertTrue(health.summary().contains("'plant-a'") && health.summary().contains("a.pem"), health.summary());
        assertEquals(List.of(), service.domain("plant-a").orElseThrow().anchors());

        // A DER blob that is no certificate is named too.
        TrustFiles.write(etc.resolve("a.pem"), TrustFiles.pem("CERTIFICATE", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
        Verdict malformed = verify("plant-a", deviceA, caA);
        assertTrue(malformed.message().contains("certificate 1 is malformed"), malformed.message());

        TrustFiles.certificates(etc.resolve("a.pem"), rootA);
        assertTrue(verify("plant-a", deviceA, caA).accepted(), "the fixed file is picked up without a restart");
        assertEquals(Health.UP, service.health().health());
    }

    @Test
    void aMissingFileAndABadValueAreNamed() {
        domain("plant-a", Map.of("anchors", new String[] {"nosuch.pem"}));
        Verdict missing = verify("plant-a", deviceA, caA);
        assertTrue(missing.message().endsWith(etc.resolve("nosuch.pem") + ": file not found"), missing.message());

        TrustFiles.certificates(etc.resolve("b.pem"), rootB);
        domain("plant-b", Map.of("anchors", new String[] {"b.pem"}, "revocation", "sometimes"));
        Verdict bad = verify("plant-b", deviceA, caA);
        assertEquals(RejectReason.INTERNAL, bad.reason());
        assertTrue(bad.message().contains("revocation 'sometimes' is not none, crl-fail-closed or crl-grace"), bad.message());

        // Revocation without CRL files: CRLs may come from distribution points; until then, fail closed.
        TrustFiles.certificates(etc.resolve("ca.pem"), rootA);
        domain("plant-c", Map.of("anchors", new String[] {"ca.pem"}, "revocation", "crl-fail-closed"));
        Verdict noCrl = verify("plant-c", deviceA, caA);
        assertEquals(RejectReason.REVOCATION_UNKNOWN, noCrl.reason());
        assertTrue(noCrl.message().contains("revocation status unknown: no CRL from its issuer"), noCrl.message());
        TrustFiles.certificates(etc.resolve("c.pem"), rootB);

        TrustFiles.write(etc.resolve("d.crl"), "-----BEGIN X509 CRL-----\nMAMCAQE=\n-----END X509 CRL-----\n");
        domain("plant-d", Map.of("anchors", new String[] {"c.pem"}, "crls", new String[] {"d.crl"},
                "revocation", "crl-fail-closed"));
        Verdict badCrl = verify("plant-d", deviceA, caA);
        assertEquals(RejectReason.REVOCATION_UNKNOWN, badCrl.reason());
        assertTrue(badCrl.message().contains(etc.resolve("d.crl") + ": CRL 1 is malformed"), badCrl.message());
    }

    @Test
    void aRemovedDomainIsUnknownAndItsVerdictsAreGone() {
        TrustDomainComponent domain = domainA();
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        service.removeDomain(domain);
        assertEquals(0, service.cached());
        assertEquals(RejectReason.UNKNOWN_DOMAIN, verify("plant-a", deviceA, caA).reason());
    }

    @Test
    void aRequestAtAChosenTimeIsNotCached() {
        domainA();
        Verdict expired = service.verify(new TrustRequest("plant-a", List.of(deviceA.der(), caA.der()), Purpose.CLIENT,
                TestPki.NOW.plus(Duration.ofDays(400)), null));
        assertEquals(RejectReason.EXPIRED, expired.reason());
        assertTrue(service.verify(new TrustRequest("plant-a", List.of(deviceA.der(), caA.der()), Purpose.CLIENT,
                TestPki.NOW, null)).accepted());
        assertEquals(0, service.cached());
    }

    @Test
    void theExpectedIdentityIsPartOfTheCacheKey() {
        domainA();
        List<byte[]> chain = List.of(deviceA.der(), caA.der());
        assertTrue(service.verify(new TrustRequest("plant-a", chain, Purpose.CLIENT, null, "device-a")).accepted());
        assertEquals(RejectReason.IDENTITY_MISMATCH,
                service.verify(new TrustRequest("plant-a", chain, Purpose.CLIENT, null, "device-b")).reason());
    }

    @Test
    void aStaleCrlWithinGraceIsDegradedAndBeyondItDown() {
        Instant before = TestPki.NOW.minus(Duration.ofDays(2));
        TrustFiles.certificates(etc.resolve("a.pem"), rootA);
        TrustFiles.write(etc.resolve("a.crl"), TrustFiles.pem("X509 CRL",
                TestPki.crl(rootA, before, TestPki.NOW.plus(Duration.ofDays(1))),
                TestPki.crl(caA, before, TestPki.NOW.minus(Duration.ofHours(1)))));
        domain("plant-a", Map.of("anchors", new String[] {"a.pem"}, "crls", new String[] {"a.crl"},
                "revocation", "crl-grace", "revocation_grace_seconds", 7200L));
        HealthReport health = service.health();
        assertEquals(Health.DEGRADED, health.health(), health::summary);
        assertTrue(health.summary().contains("grace period"), health.summary());
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        assertEquals(Duration.ofHours(2), service.domain("plant-a").orElseThrow().grace());

        domain("plant-b", Map.of("anchors", new String[] {"a.pem"}, "crls", new String[] {"a.crl"},
                "revocation", "crl-fail-closed"));
        assertEquals(Health.DOWN, service.health().health());
        assertEquals(RejectReason.REVOCATION_UNKNOWN, verify("plant-b", deviceA, caA).reason());
    }

    @Test
    void theTrustManagerThrowsTheVerdict() throws Exception {
        domainA();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        X509Certificate[] chain = {
            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(deviceA.der())),
            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(caA.der()))};
        service.trustManager("plant-a", "device-a").checkClientTrusted(chain, "ECDHE_ECDSA");
        X509ExtendedTrustManager other = service.trustManager("plant-a", "device-b");
        RejectedCertificateException mismatch = assertThrows(RejectedCertificateException.class,
                () -> other.checkClientTrusted(chain, "ECDHE_ECDSA"));
        assertEquals(RejectReason.IDENTITY_MISMATCH, mismatch.verdict().reason());
        RejectedCertificateException server = assertThrows(RejectedCertificateException.class,
                () -> service.trustManager("plant-a", null).checkServerTrusted(chain, "ECDHE_ECDSA"));
        assertEquals(RejectReason.EXTENDED_KEY_USAGE, server.verdict().reason());
        assertEquals(1, service.trustManager("plant-a", null).getAcceptedIssuers().length);
        assertFalse(service.trustManager("nosuch", null).getAcceptedIssuers().length > 0);
    }

    @Test
    void theCommandsSayWhyAndListTheDomains() throws Exception {
        domainA();
        Path good = TrustFiles.certificates(etc.resolve("good.pem"), deviceA, caA);
        Path bad = TrustFiles.certificates(etc.resolve("bad.pem"), leaf("device-x", rootB).issue());
        String accepted = TrustCommand.run(service, List.of("plant-a", good.toString()));
        assertTrue(accepted.startsWith("accepted: trusted in domain plant-a as 'device-a'"), accepted);
        TrustCommand.RejectedException rejected = assertThrows(TrustCommand.RejectedException.class,
                () -> TrustCommand.run(service, List.of("plant-a", bad.toString())));
        assertTrue(rejected.getMessage().startsWith("rejected (NO_PATH): certificate 0 (CN=device-x,O=Test)"),
                rejected.getMessage());
        assertThrows(TrustCommand.RejectedException.class,
                () -> TrustCommand.run(service, List.of("plant-a", good.toString(), "--name", "device-b")));
        assertThrows(IllegalArgumentException.class, () -> TrustCommand.run(service, List.of("plant-a", "good.pem")));

        String list = TrustCommand.list(service.domains(), service.health(), TestPki.NOW);
        assertTrue(list.startsWith("trust UP: 1 trust domain(s)"), list);
        assertTrue(list.contains("domain plant-a: UP, 1 anchor(s)"), list);
        assertTrue(list.contains("CN=Root A (until "), list);
    }

    @Test
    void anIssuingCaDecodedOnceIsNumberedForEachRequestAndStillChecked() {
        domainA();
        assertTrue(verify("plant-a", deviceA, caA).accepted());
        // The cached CA at another position: a rejection about it names its index in this request.
        TestPki.Issued stranger = leaf("stranger", root("Stranger Root").issue()).issue();
        Verdict later = service.verify(new TrustRequest("plant-a", List.of(stranger.der(), deviceA.der(), caA.der()),
                Purpose.CLIENT, TestPki.NOW, null));
        assertEquals(RejectReason.NO_PATH, later.reason());
        TestPki.Spec expiredSpec = intermediate("Issuing CA A", rootA);
        expiredSpec.keys = caA.keys();
        expiredSpec.notAfter = TestPki.NOW.minus(java.time.Duration.ofDays(1));
        TestPki.Issued expiredCa = expiredSpec.issue();
        Verdict expired = service.verify(new TrustRequest("plant-a", List.of(deviceA.der(), expiredCa.der()),
                Purpose.CLIENT, TestPki.NOW, null));
        assertEquals(RejectReason.EXPIRED, expired.reason(), expired.toString());
        assertEquals(1, expired.certificateIndex());
        // The cached CA is still checked on every request: at a time it is expired, it is refused.
        Verdict afterExpiry = service.verify(new TrustRequest("plant-a", List.of(deviceA.der(), caA.der()), Purpose.CLIENT,
                TestPki.NOW.plus(java.time.Duration.ofDays(400)), null));
        assertEquals(RejectReason.EXPIRED, afterExpiry.reason());
        TestPki.Issued deviceB = leaf("device-b", caA).issue();
        Verdict third = service.verify(new TrustRequest("plant-a", List.of(deviceB.der(), stranger.der(), caA.der()),
                Purpose.CLIENT, TestPki.NOW, null));
        assertTrue(third.accepted(), third.toString());
        TestPki.Spec badKu = leaf("device-c", caA);
        badKu.keyUsage = org.bouncycastle.asn1.x509.KeyUsage.keyCertSign;
        Verdict ku = service.verify(new TrustRequest("plant-a", List.of(badKu.issue().der(), stranger.der(), caA.der()),
                Purpose.CLIENT, TestPki.NOW, null));
        assertEquals(RejectReason.KEY_USAGE, ku.reason());
        assertEquals(0, ku.certificateIndex());
    }
}
