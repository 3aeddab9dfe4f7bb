package dev.palisade.identity.internal;

import java.io.StringReader;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** A software root CA with one intermediate, issuing gateway certificates from CSRs, for tests. */
final class TestCa {

    final KeyPair rootKey;
    final X509Certificate root;
    final KeyPair intermediateKey;
    final X509Certificate intermediate;

    TestCa(String name) throws Exception {
        rootKey = ecKey();
        root = certificate(new X500Name("CN=" + name + " Root"), rootKey.getPublic(), new X500Name("CN=" + name + " Root"),
                rootKey, Duration.ofDays(3650), true, false);
        intermediateKey = ecKey();
        intermediate = certificate(new X500Name("CN=" + name + " Devices"), intermediateKey.getPublic(),
                new X500Name("CN=" + name + " Root"), rootKey, Duration.ofDays(1825), true, false);
    }

    /** @return a leaf for the CSR's key and subject, issued by the intermediate, with clientAuth */
    X509Certificate issue(String csrPem, Duration validity) throws Exception {
        PKCS10CertificationRequest csr;
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            csr = (PKCS10CertificationRequest) parser.readObject();
        }
        JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(csr);
        return certificate(csr.getSubject(), request.getPublicKey(), new X500Name(intermediate.getSubjectX500Principal().getName()),
                intermediateKey, validity, false, true);
    }

    /** @return a leaf for any public key, issued by the intermediate */
    X509Certificate issue(X500Name subject, PublicKey key, Duration validity) throws Exception {
        return certificate(subject, key, new X500Name(intermediate.getSubjectX500Principal().getName()), intermediateKey,
                validity, false, true);
    }

    static KeyPair ecKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(X500Name subject, PublicKey key, X500Name issuer, KeyPair issuerKey,
            Duration validity, boolean ca, boolean clientAuth) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(validity)), subject, key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
        if (clientAuth) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
