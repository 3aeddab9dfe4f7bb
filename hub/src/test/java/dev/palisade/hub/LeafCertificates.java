package dev.palisade.hub;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.palisade.pki.TestCredential;

/**
 * Leaf certificates that {@code TestPki} does not make: other key types and sizes, other key
 * usages, other validity windows — what the hub's leaf policy must refuse or accept. Issued by a
 * test CA (EC P-256) with Bouncy Castle, parsed back by the JDK as the hub parses them.
 */
final class LeafCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How the leaf differs from a well-formed device certificate. */
    record Spec(KeyPair keys, Integer keyUsage, KeyPurposeId[] purposes, Instant notBefore, Instant notAfter) {
        static Spec device(KeyPair keys) {
            Instant now = Instant.now();
            return new Spec(keys, KeyUsage.digitalSignature, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
                    now.minusSeconds(300), now.plusSeconds(86_400));
        }

        Spec usage(Integer bits) {
            return new Spec(keys, bits, purposes, notBefore, notAfter);
        }

        Spec purposes(KeyPurposeId... p) {
            return new Spec(keys, keyUsage, p, notBefore, notAfter);
        }

        Spec valid(Instant from, Instant to) {
            return new Spec(keys, keyUsage, purposes, from, to);
        }
    }

    private LeafCertificates() {
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve), RANDOM);
        return g.generateKeyPair();
    }

    static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits, RANDOM);
        return g.generateKeyPair();
    }

    static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** A leaf with subject CN={@code cn} issued by {@code issuer} as {@code spec} says. */
    static TestCredential issue(TestCredential issuer, String cn, Spec spec) throws Exception {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Palisade TEST PKI - FOR TESTING ONLY")
                .addRDN(BCStyle.CN, cn).build();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
                new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                subject, spec.keys().getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        if (spec.keyUsage() != null) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(spec.keyUsage()));
        }
        if (spec.purposes() != null) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(spec.purposes()));
        }
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(issuer.chain());
        return new TestCredential(cert, spec.keys().getPrivate(), chain);
    }
}
