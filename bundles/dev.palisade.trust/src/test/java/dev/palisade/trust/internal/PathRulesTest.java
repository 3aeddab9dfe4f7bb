package dev.palisade.trust.internal;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.Verdict;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * One test per path rule, each in both directions: the valid variant is accepted, the variant
 * that breaks exactly that rule is rejected with its reason and the index of the certificate
 * at fault. Chains are leaf (0), intermediate (1); the anchor is not in the request (index 2).
 */
class PathRulesTest extends VerifierFixture {

    private final TestPki.Issued root = root("Root").issue();
    private final TestPki.Issued ca = intermediate("Issuing CA", root).issue();
    private final ChainVerifier verifier = verifier(root);

    @Test
    void validChainIsAcceptedWithTheLeafsCnAsIdentity() {
        Verdict verdict = accepted(run(verifier, leaf("device-1", ca).issue(), ca));
        assertEquals("device-1", verdict.deviceIdentity());
    }

    @Test
    void signature() {
        TestPki.Issued other = intermediate("Issuing CA", root).issue();
        TestPki.Spec forged = leaf("device-1", other);
        forged.aki = false; // no key identifier to steer the builder away
        forged.issuer = other;
        accepted(run(verifier, leaf("device-1", ca).issue(), ca));
        TestPki.Spec spec = leaf("device-1", ca);
        spec.issuer = new TestPki.Issued(ca.der(), other.keys(), ca.subject(), ca.ski());
        rejected(run(verifier, spec.issue(), ca), RejectReason.SIGNATURE, 0);
    }

    @Test
    void noPathWhenTheIssuerIsMissing() {
        rejected(run(verifier, leaf("device-1", ca).issue()), RejectReason.NO_PATH, 0);
    }

    @Test
    void validity() {
        TestPki.Spec expired = leaf("device-1", ca);
        expired.notAfter = TestPki.NOW.minus(Duration.ofMinutes(10));
        rejected(run(verifier, expired.issue(), ca), RejectReason.EXPIRED, 0);
        TestPki.Spec withinSkew = leaf("device-1", ca);
        withinSkew.notAfter = TestPki.NOW.minus(Duration.ofMinutes(4));
        accepted(run(verifier, withinSkew.issue(), ca));
        TestPki.Spec future = intermediate("Issuing CA", root);
        future.notBefore = TestPki.NOW.plus(Duration.ofHours(1));
        TestPki.Issued futureCa = future.issue();
        rejected(run(verifier, leaf("device-1", futureCa).issue(), futureCa), RejectReason.NOT_YET_VALID, 1);
    }

    @Test
    void expiredAnchorIsRejected() {
        TestPki.Spec old = root("Root");
        old.notAfter = TestPki.NOW.minus(Duration.ofDays(1));
        TestPki.Issued oldRoot = old.issue();
        TestPki.Issued oldCa = intermediate("Issuing CA", oldRoot).issue();
        rejected(run(verifier(oldRoot), leaf("device-1", oldCa).issue(), oldCa), RejectReason.EXPIRED, 2);
    }

    @Test
    void basicConstraints() {
        TestPki.Spec notCa = intermediate("Issuing CA", root);
        notCa.ca = false;
        TestPki.Issued bad = notCa.issue();
        rejected(run(verifier, leaf("device-1", bad).issue(), bad), RejectReason.BASIC_CONSTRAINTS, 1);
        TestPki.Spec nonCritical = intermediate("Issuing CA", root);
        nonCritical.basicConstraintsCritical = false;
        TestPki.Issued bad2 = nonCritical.issue();
        rejected(run(verifier, leaf("device-1", bad2).issue(), bad2), RejectReason.BASIC_CONSTRAINTS, 1);
        TestPki.Spec caLeaf = leaf("device-1", ca);
        caLeaf.ca = true;
        caLeaf.keyUsage = KeyUsage.digitalSignature;
        rejected(run(verifier, caLeaf.issue(), ca), RejectReason.BASIC_CONSTRAINTS, 0);
    }

    @Test
    void pathLength() {
        TestPki.Spec zero = intermediate("Issuing CA", root);
        zero.pathLen = 0;
        TestPki.Issued ca0 = zero.issue();
        accepted(run(verifier, leaf("device-1", ca0).issue(), ca0));
        TestPki.Issued sub = intermediate("Sub CA", ca0).issue();
        rejected(run(verifier, leaf("device-1", sub).issue(), sub, ca0), RejectReason.PATH_LENGTH, 2);
    }

    @Test
    void keyUsage() {
        TestPki.Spec noCertSign = intermediate("Issuing CA", root);
        noCertSign.keyUsage = KeyUsage.cRLSign;
        TestPki.Issued bad = noCertSign.issue();
        rejected(run(verifier, leaf("device-1", bad).issue(), bad), RejectReason.KEY_USAGE, 1);
        TestPki.Spec noSignature = leaf("device-1", ca);
        noSignature.keyUsage = KeyUsage.keyAgreement;
        rejected(run(verifier, noSignature.issue(), ca), RejectReason.KEY_USAGE, 0);
        TestPki.Spec certSignLeaf = leaf("device-1", ca);
        certSignLeaf.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign;
        rejected(run(verifier, certSignLeaf.issue(), ca), RejectReason.KEY_USAGE, 0);
    }

    @Test
    void extendedKeyUsageOnLeafAndIntermediates() {
        TestPki.Spec server = leaf("device-1", ca);
        server.eku = List.of(KeyPurposeId.id_kp_serverAuth);
        rejected(run(verifier, server.issue(), ca), RejectReason.EXTENDED_KEY_USAGE, 0);
        TestPki.Spec none = leaf("device-1", ca);
        none.eku = List.of();
        rejected(run(verifier, none.issue(), ca), RejectReason.EXTENDED_KEY_USAGE, 0);
        TestPki.Spec serverOnlyCa = intermediate("Issuing CA", root);
        serverOnlyCa.eku = List.of(KeyPurposeId.id_kp_serverAuth);
        TestPki.Issued restricted = serverOnlyCa.issue();
        rejected(run(verifier, leaf("device-1", restricted).issue(), restricted), RejectReason.EXTENDED_KEY_USAGE, 1);
        TestPki.Spec clientCa = intermediate("Issuing CA", root);
        clientCa.eku = List.of(KeyPurposeId.id_kp_clientAuth);
        TestPki.Issued allowed = clientCa.issue();
        accepted(run(verifier, leaf("device-1", allowed).issue(), allowed));
    }

    @Test
    void unknownCriticalExtension() {
        ASN1ObjectIdentifier privateOid = new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1");
        TestPki.Spec critical = leaf("device-1", ca);
        critical.extra.add(TestPki.extension(privateOid, true, new DERUTF8String("x")));
        rejected(run(verifier, critical.issue(), ca), RejectReason.UNKNOWN_CRITICAL_EXTENSION, 0);
        TestPki.Spec nonCritical = leaf("device-1", ca);
        nonCritical.extra.add(TestPki.extension(privateOid, false, new DERUTF8String("x")));
        accepted(run(verifier, nonCritical.issue(), ca));
    }

    @Test
    void signatureAlgorithmPolicyRejectsSha1() {
        TestPki.Spec sha1 = leaf("device-1", ca);
        sha1.signatureAlgorithm = "SHA1withECDSA";
        rejected(run(verifier, sha1.issue(), ca), RejectReason.ALGORITHM_POLICY, 0);
        TestPki.Spec sha384 = leaf("device-1", ca);
        sha384.signatureAlgorithm = "SHA384withECDSA";
        accepted(run(verifier, sha384.issue(), ca));
    }

    @Test
    void keyPolicy() {
        TestPki.Spec p384 = leaf("device-1", ca);
        p384.keys = TestPki.ec("secp384r1");
        accepted(run(verifier, p384.issue(), ca));
        TestPki.Spec p192 = leaf("device-1", ca);
        p192.keys = TestPki.ec("prime192v1");
        rejected(run(verifier, p192.issue(), ca), RejectReason.KEY_POLICY, 0);
        TestPki.Spec rsa1024 = leaf("device-1", ca);
        rsa1024.keys = TestPki.rsa(1024);
        rejected(run(verifier, rsa1024.issue(), ca), RejectReason.KEY_POLICY, 0);
        TestPki.Spec rsa2048 = leaf("device-1", ca);
        rsa2048.keys = TestPki.rsa(2048);
        accepted(run(verifier, rsa2048.issue(), ca));
    }

    @Test
    void strictProfileSerialAndKeyIdentifiers() {
        TestPki.Spec negative = leaf("device-1", ca);
        negative.serial = BigInteger.valueOf(-5);
        rejected(run(verifier, negative.issue(), ca), RejectReason.PROFILE, 0);
        TestPki.Spec zero = leaf("device-1", ca);
        zero.serial = BigInteger.ZERO;
        rejected(run(verifier, zero.issue(), ca), RejectReason.PROFILE, 0);
        TestPki.Spec noSki = intermediate("Issuing CA", root);
        noSki.ski = false;
        TestPki.Issued noSkiCa = noSki.issue();
        rejected(run(verifier, leaf("device-1", noSkiCa).issue(), noSkiCa), RejectReason.PROFILE, 1);
        TestPki.Spec criticalSki = leaf("device-1", ca);
        criticalSki.skiCritical = true;
        rejected(run(verifier, criticalSki.issue(), ca), RejectReason.PROFILE, 0);
        TestPki.Spec noAki = leaf("device-1", ca);
        noAki.aki = false;
        rejected(run(verifier, noAki.issue(), ca), RejectReason.PROFILE, 0);
    }

    @Test
    void malformedSubjectAltNames() {
        TestPki.Spec good = leaf("device-1", ca);
        good.sans.add(TestPki.dns("device-1.plant-a.example"));
        accepted(run(verifier, good.issue(), ca));
        TestPki.Spec badDns = leaf("device-1", ca);
        badDns.sans.add(TestPki.dns("bad_name..example"));
        rejected(run(verifier, badDns.issue(), ca), RejectReason.PROFILE, 0);
        TestPki.Spec badMail = leaf("device-1", ca);
        badMail.sans.add(new org.bouncycastle.asn1.x509.GeneralName(
                org.bouncycastle.asn1.x509.GeneralName.rfc822Name, "no-at-sign"));
        rejected(run(verifier, badMail.issue(), ca), RejectReason.PROFILE, 0);
    }

    @Test
    void depthLimitCountsTheAnchor() {
        TestPki.Issued sub = intermediate("Sub CA", ca).issue();
        TestPki.Issued device = leaf("device-1", sub).issue();
        accepted(run(verifier, device, sub, ca));
        ChainVerifier shallow = verifier(DomainPolicy.defaults().withMaxDepth(3), List.of(root), List.of(), List.of());
        rejected(run(shallow, device, sub, ca), RejectReason.DEPTH, 0);
    }

    @Test
    void intermediatesFromTheDomainPoolAndBacktrackingOverCandidates() {
        // A wrong same-named CA without key identifiers in the request, the right one in the pool.
        TestPki.Spec decoy = intermediate("Issuing CA", root);
        decoy.aki = false;
        TestPki.Spec leafSpec = leaf("device-1", ca);
        leafSpec.aki = true;
        TestPki.Issued device = leafSpec.issue();
        ChainVerifier pooled = verifier(DomainPolicy.defaults(), List.of(root), List.of(ca), List.of());
        accepted(run(pooled, device));
        accepted(run(pooled, device, decoy.issue()));
    }

    @Test
    void identityRules() {
        TestPki.Spec spec = leaf("device-1", ca);
        spec.sans.add(TestPki.uri("urn:palisade:device:plc-7"));
        spec.sans.add(TestPki.dns("plc-7.plant-a.example"));
        TestPki.Issued device = spec.issue();
        ChainVerifier byUri = verifier(DomainPolicy.defaults().withIdentity(
                new IdentityRule(IdentityRule.Source.SAN_URI, "urn:palisade:device:")), List.of(root), List.of(), List.of());
        assertEquals("plc-7", accepted(run(byUri, device, ca)).deviceIdentity());
        ChainVerifier byDns = verifier(DomainPolicy.defaults().withIdentity(
                new IdentityRule(IdentityRule.Source.SAN_DNS, "")), List.of(root), List.of(), List.of());
        assertEquals("plc-7.plant-a.example", accepted(run(byDns, device, ca)).deviceIdentity());
        rejected(run(byUri, leaf("device-2", ca).issue(), ca), RejectReason.NO_IDENTITY, 0);
        Verdict mismatch = verifier.verify(List.of(device.der(), ca.der()), dev.palisade.api.trust.Purpose.CLIENT,
                TestPki.NOW, "device-2", DenyList.EMPTY).verdict();
        rejected(mismatch, RejectReason.IDENTITY_MISMATCH, 0);
    }

    @Test
    void denyListByFingerprintAndByIssuerSerial() {
        TestPki.Spec spec = leaf("device-1", ca);
        spec.serial = BigInteger.valueOf(0xabcd);
        TestPki.Issued device = spec.issue();
        accepted(run(verifier, device, ca));
        Cert parsed = certs(device).get(0);
        DenyList byPrint = DenyList.parse(new String[] {parsed.fingerprint}, new String[0]);
        rejected(verifier.verify(List.of(device.der(), ca.der()), dev.palisade.api.trust.Purpose.CLIENT, TestPki.NOW,
                null, byPrint).verdict(), RejectReason.DENIED, 0);
        DenyList bySerial = DenyList.parse(new String[0], new String[] {"ab:cd/CN=Issuing CA,O=Test"});
        rejected(verifier.verify(List.of(device.der(), ca.der()), dev.palisade.api.trust.Purpose.CLIENT, TestPki.NOW,
                null, bySerial).verdict(), RejectReason.DENIED, 0);
        DenyList anchorDenied = DenyList.parse(new String[] {certs(root).get(0).fingerprint}, new String[0]);
        rejected(verifier.verify(List.of(device.der(), ca.der()), dev.palisade.api.trust.Purpose.CLIENT, TestPki.NOW,
                null, anchorDenied).verdict(), RejectReason.DENIED, 2);
    }

    @Test
    void requestWithTooManyCertificatesIsRejectedAsDepth() {
        TestPki.Issued device = leaf("device-1", ca).issue();
        TestPki.Issued[] nine = new TestPki.Issued[9];
        java.util.Arrays.fill(nine, ca);
        nine[0] = device;
        Verdict verdict = rejected(run(verifier, nine), RejectReason.DEPTH, -1);
        assertTrue(verdict.message().contains("at most 8"), verdict.message());
    }

    @Test
    void domainPolicyCanAllowOnlyEcP384() {
        ChainVerifier p384Only = verifier(DomainPolicy.defaults().withAlgorithms(Set.of("SHA256withECDSA"),
                Set.of("ec-p384")), List.of(root), List.of(), List.of());
        rejected(run(p384Only, leaf("device-1", ca).issue(), ca), RejectReason.KEY_POLICY, 2);
    }
}
