package dev.palisade.distro;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * UpstreamIT's hub PKI, made with Bouncy Castle inside the framework (a separate class so that
 * the test class itself loads on the plain class path, where Bouncy Castle is not).
 */
final class UpstreamItPki {

    private final KeyPair caKeys;
    private final X509Certificate ca;

    UpstreamItPki() throws Exception {
        caKeys = ecKeys();
        ca = certificate(caKeys, new X500Name("CN=upstream-it-ca"), caKeys.getPublic(), null, null);
    }

    /** Writes ca.pem, server.pem/.key (SAN IP 127.0.0.1) and observer.pem/.key into {@code dir}. */
    void writeHubFiles(Path dir) throws Exception {
        KeyPair serverKeys = ecKeys();
        pem(dir.resolve("ca.pem"), ca);
        pem(dir.resolve("server.pem"), certificate(caKeys, new X500Name("CN=hub"), serverKeys.getPublic(),
                KeyPurposeId.id_kp_serverAuth, "127.0.0.1"));
        pem(dir.resolve("server.key"), serverKeys.getPrivate());
        KeyPair observerKeys = ecKeys();
        pem(dir.resolve("observer.pem"), certificate(caKeys, new X500Name("CN=hub-observer"), observerKeys.getPublic(),
                KeyPurposeId.id_kp_clientAuth, null));
        pem(dir.resolve("observer.key"), observerKeys.getPrivate());
    }

    /** Writes the CA certificate and its unencrypted PKCS#8 key (for {@code bin/palisade pki --ca-key}). */
    void writeCa(Path certificate, Path key) throws Exception {
        pem(certificate, ca);
        pem(key, caKeys.getPrivate());
    }

    /** Issues a client certificate for the CSR in {@code csr} and writes leaf + CA to {@code chain}. */
    void issueChain(Path csr, String cn, Path chain) throws Exception {
        PKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(csr)))) {
            request = (PKCS10CertificationRequest) parser.readObject();
        }
        X509Certificate leaf = certificate(caKeys, new X500Name("CN=" + cn),
                new JcaPKCS10CertificationRequest(request).getPublicKey(), KeyPurposeId.id_kp_clientAuth, null);
        pem(chain, leaf, ca);
    }

    static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A CA certificate when {@code purpose} is null, else a leaf with that purpose (and an IP SAN if given). */
    static X509Certificate certificate(KeyPair caKeys, X500Name subject, PublicKey key, KeyPurposeId purpose,
            String ipSan) throws Exception {
        return certificate(new X500Name("CN=upstream-it-ca"), caKeys, subject, key, purpose, ipSan, null);
    }

    /**
     * The one certificate builder of the ITs' test CAs (this one, {@link ModbusTlsItPki}): valid
     * from an hour ago for a day, ECDSA P-256 with SHA-256, key identifiers.
     *
     * @param purpose null for a CA certificate, else the leaf's extended key usage
     * @param ipSan an IP address SAN, or null
     * @param role the Modbus/TCP Security role extension ({@link ModbusTlsItPki#ROLE_OID}), or null
     */
    static X509Certificate certificate(X500Name issuer, KeyPair issuerKeys, X500Name subject, PublicKey key,
            KeyPurposeId purpose, String ipSan, String role) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                new BigInteger(63, new java.security.SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, key);
        org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils ids = new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils();
        builder.addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(key));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ids.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(purpose == null));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(purpose == null
                ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
        if (purpose != null) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        if (ipSan != null) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, ipSan)));
        }
        if (role != null) {
            builder.addExtension(new ASN1ObjectIdentifier(ModbusTlsItPki.ROLE_OID), false, new DERUTF8String(role));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    static void pem(Path file, Object... objects) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object instanceof java.security.PrivateKey key ? new JcaPKCS8Generator(key, null).generate() : object);
            }
        }
        Files.writeString(file, text.toString());
    }
}
