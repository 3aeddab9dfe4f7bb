package dev.palisade.trust.internal;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.palisade.api.trust.RejectReason;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;

/**
 * The gaps measured in shared/research/trust-notes.md: the anchor is checked like any CA, and
 * name constraints (including the anchor's) are enforced per RFC 5280 on the subject DN and
 * SAN — not on a CN read as a host name. Anchor index = 2 (not in the request).
 */
class AnchorAndNamesTest extends VerifierFixture {

    private static TestPki.Issued[] chainUnder(TestPki.Issued anchor, TestPki.Spec leafSpec) {
        TestPki.Issued ca = intermediate("Issuing CA", anchor).issue();
        leafSpec.issuer = ca;
        return new TestPki.Issued[] {leafSpec.issue(), ca};
    }

    @Test
    void anchorWithUnknownCriticalExtensionIsRejected() {
        TestPki.Spec spec = root("Root");
        spec.extra.add(TestPki.extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.2"), true, new DERUTF8String("x")));
        TestPki.Issued anchor = spec.issue();
        rejected(run(verifier(anchor), chainUnder(anchor, leaf("d", null))), RejectReason.UNKNOWN_CRITICAL_EXTENSION, 2);
    }

    @Test
    void anchorWithoutBasicConstraintsIsRejected() {
        TestPki.Spec spec = root("Root");
        spec.basicConstraints = false;
        TestPki.Issued anchor = spec.issue();
        rejected(run(verifier(anchor), chainUnder(anchor, leaf("d", null))), RejectReason.BASIC_CONSTRAINTS, 2);
    }

    @Test
    void anchorWithRsa1024IsRejectedAndRsa2048Accepted() {
        TestPki.Spec weak = root("Root");
        weak.keys = TestPki.rsa(1024);
        weak.signatureAlgorithm = "SHA1withRSA"; // the anchor's own signature is not judged
        TestPki.Issued weakAnchor = weak.issue();
        rejected(run(verifier(weakAnchor), chainUnder(weakAnchor, leaf("d", null))), RejectReason.KEY_POLICY, 2);
        TestPki.Spec strong = root("Root");
        strong.keys = TestPki.rsa(2048);
        strong.signatureAlgorithm = "SHA1withRSA";
        TestPki.Issued strongAnchor = strong.issue();
        accepted(run(verifier(strongAnchor), chainUnder(strongAnchor, leaf("d", null))));
    }

    @Test
    void anchorWithoutSkiIsRejected() {
        TestPki.Spec spec = root("Root");
        spec.ski = false;
        TestPki.Issued anchor = spec.issue();
        TestPki.Spec caSpec = intermediate("Issuing CA", new TestPki.Issued(anchor.der(), anchor.keys(), anchor.subject(), new byte[] {1}));
        TestPki.Issued ca = caSpec.issue();
        rejected(run(verifier(anchor), leaf("d", ca).issue(), ca), RejectReason.PROFILE, 2);
    }

    private static NameConstraints permittedDns(String dns) {
        return new NameConstraints(new GeneralSubtree[] {new GeneralSubtree(TestPki.dns(dns))}, null);
    }

    @Test
    void nameConstraintsInTheAnchorAreEnforced() {
        TestPki.Spec spec = root("Root");
        spec.nameConstraints = permittedDns("plant-a.example");
        TestPki.Issued anchor = spec.issue();
        TestPki.Spec inside = leaf("d", null);
        inside.sans.add(TestPki.dns("plc-1.plant-a.example"));
        accepted(run(verifier(anchor), chainUnder(anchor, inside)));
        TestPki.Spec outside = leaf("d", null);
        outside.sans.add(TestPki.dns("plc-1.plant-b.example"));
        rejected(run(verifier(anchor), chainUnder(anchor, outside)), RejectReason.NAME_CONSTRAINTS, 0);
    }

    @Test
    void nameConstraintsOnIpEmailUriAndDirectoryNames() {
        TestPki.Issued root = root("Root").issue();
        GeneralSubtree ip = new GeneralSubtree(new GeneralName(GeneralName.iPAddress,
                new DEROctetString(new byte[] {10, 1, 0, 0, (byte) 255, (byte) 255, 0, 0})));
        GeneralSubtree mail = new GeneralSubtree(new GeneralName(GeneralName.rfc822Name, "plant-a.example"));
        GeneralSubtree uri = new GeneralSubtree(TestPki.uri(".plant-a.example"));
        GeneralSubtree dn = new GeneralSubtree(new GeneralName(new X500Name("O=Test")));
        TestPki.Spec caSpec = intermediate("Issuing CA", root);
        caSpec.subject = "O=Test,CN=Issuing CA";
        caSpec.nameConstraints = new NameConstraints(new GeneralSubtree[] {ip, mail, uri, dn}, null);
        TestPki.Issued ca = caSpec.issue();
        ChainVerifier v = verifier(root);

        TestPki.Spec good = leaf("d", ca);
        good.subject = "O=Test,CN=d";
        good.sans.add(new GeneralName(GeneralName.iPAddress, "10.1.2.3"));
        good.sans.add(new GeneralName(GeneralName.rfc822Name, "ops@plant-a.example"));
        good.sans.add(TestPki.uri("https://plc.plant-a.example/x"));
        accepted(run(v, good.issue(), ca));

        String[][] bad = {{"ip", "10.2.0.1"}, {"mail", "ops@plant-b.example"}, {"uri", "https://plc.plant-b.example/"},
            {"dn", "O=Other,CN=d"}};
        for (String[] b : bad) {
            TestPki.Spec spec = leaf("d", ca);
            spec.subject = b[0].equals("dn") ? b[1] : "O=Test,CN=d";
            switch (b[0]) {
                case "ip": spec.sans.add(new GeneralName(GeneralName.iPAddress, b[1])); break;
                case "mail": spec.sans.add(new GeneralName(GeneralName.rfc822Name, b[1])); break;
                case "uri": spec.sans.add(TestPki.uri(b[1])); break;
                default: break;
            }
            rejected(run(v, spec.issue(), ca), RejectReason.NAME_CONSTRAINTS, 0);
        }
    }

    @Test
    void excludedSubtreesAndTheCnIsNotAHostName() {
        TestPki.Issued root = root("Root").issue();
        TestPki.Spec caSpec = intermediate("Issuing CA", root);
        GeneralSubtree excludedIp = new GeneralSubtree(new GeneralName(GeneralName.iPAddress,
                new DEROctetString(new byte[] {10, 0, 0, 0, (byte) 255, 0, 0, 0})));
        GeneralSubtree excludedDns = new GeneralSubtree(TestPki.dns("evil.example"));
        caSpec.nameConstraints = new NameConstraints(null, new GeneralSubtree[] {excludedIp, excludedDns});
        TestPki.Issued ca = caSpec.issue();
        ChainVerifier v = verifier(root);
        // The JDK refuses this one (it reads the CN as an IP); RFC 5280 does not constrain the CN.
        TestPki.Spec cnLooksLikeIp = leaf("10.0.0.7", ca);
        cnLooksLikeIp.sans.add(TestPki.dns("plc.good.example"));
        assertEquals("10.0.0.7", accepted(run(v, cnLooksLikeIp.issue(), ca)).deviceIdentity());
        TestPki.Spec excluded = leaf("d", ca);
        excluded.sans.add(TestPki.dns("a.evil.example"));
        rejected(run(v, excluded.issue(), ca), RejectReason.NAME_CONSTRAINTS, 0);
        TestPki.Spec wildcard = leaf("d", ca);
        wildcard.sans.add(TestPki.dns("*.example"));
        rejected(run(v, wildcard.issue(), ca), RejectReason.NAME_CONSTRAINTS, 0);
    }

    @Test
    void malformedNameConstraintsRejectTheCa() {
        TestPki.Issued root = root("Root").issue();
        TestPki.Spec caSpec = intermediate("Issuing CA", root);
        caSpec.nameConstraints = new NameConstraints(new GeneralSubtree[] {new GeneralSubtree(new GeneralName(
                GeneralName.iPAddress, new DEROctetString(new byte[] {10, 0, 0, 0, (byte) 0x0f, 0, 0, 0})))}, null);
        TestPki.Issued ca = caSpec.issue();
        rejected(run(verifier(root), leaf("d", ca).issue(), ca), RejectReason.PROFILE, 1);
    }

    @Test
    void sansAreReadFromDerNotFromAMutatedObject() throws Exception {
        // The JDK's PKIX appends a CN-derived name to the SAN of the X509Certificate object it
        // validated. The engine never uses such objects: identity and names come from the DER.
        TestPki.Issued root = root("Root").issue();
        TestPki.Issued ca = intermediate("Issuing CA", root).issue();
        TestPki.Spec spec = leaf("plc.plant-a.example", ca);
        spec.sans.add(TestPki.uri("urn:palisade:device:plc-9"));
        TestPki.Issued device = spec.issue();
        java.security.cert.X509Certificate parsed = (java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(new java.io.ByteArrayInputStream(device.der()));
        dev.palisade.api.trust.TrustRequest request = dev.palisade.api.trust.TrustRequest.of("t",
                java.util.List.of(parsed), dev.palisade.api.trust.Purpose.CLIENT);
        ChainVerifier byDns = verifier(DomainPolicy.defaults().withIdentity(
                new IdentityRule(IdentityRule.Source.SAN_DNS, "")), java.util.List.of(root), java.util.List.of(), java.util.List.of());
        java.util.List<byte[]> chain = new java.util.ArrayList<>(request.chain());
        chain.add(ca.der());
        rejected(byDns.verify(chain, dev.palisade.api.trust.Purpose.CLIENT, TestPki.NOW, null, DenyList.EMPTY).verdict(),
                RejectReason.NO_IDENTITY, 0);
    }
}
