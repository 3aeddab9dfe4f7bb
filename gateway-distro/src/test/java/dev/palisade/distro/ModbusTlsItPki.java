package dev.palisade.distro;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The device ITs' test CA (ModbusTlsIT's plant PKI, the enrollment ITs' device CAs through
 * {@link EnrollItPki}), made with Bouncy Castle inside the framework: it issues the gateway's
 * certificate from its CSR (optionally with the Modbus.org role extension), the devices' TLS
 * server certificates, children's client certificates, and CRLs; one instance per CA.
 */
final class ModbusTlsItPki {

    /** The Modbus/TCP Security role extension (MB-TCP-Security v21, a UTF8String). */
    static final String ROLE_OID = "1.3.6.1.4.1.50316.802.1";

    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    ModbusTlsItPki(String name) throws Exception {
        this.name = name;
        caKeys = UpstreamItPki.ecKeys();
        ca = certificate(new X500Name("CN=" + name), caKeys.getPublic(), null, null, null);
    }

    X509Certificate ca() {
        return ca;
    }

    void writeCa(Path file) throws Exception {
        UpstreamItPki.pem(file, ca);
    }

    /** The CA's PKCS#8 key as PEM: the proof of possession a hub asks for when the CA is registered. */
    void writeCaKey(Path file) throws Exception {
        UpstreamItPki.pem(file, caKeys.getPrivate());
    }

    /** A device's TLS server certificate (CN = identity, SAN IP 127.0.0.1) and its key, as PEM files. */
    X509Certificate device(String identity, Path cert, Path key) throws Exception {
        KeyPair keys = UpstreamItPki.ecKeys();
        X509Certificate leaf = certificate(new X500Name("CN=" + identity), keys.getPublic(), KeyPurposeId.id_kp_serverAuth,
                "127.0.0.1", null);
        UpstreamItPki.pem(cert, leaf);
        UpstreamItPki.pem(key, keys.getPrivate());
        return leaf;
    }

    /** @return a client certificate for {@code key} (CN = {@code cn}, no SAN), then this CA */
    List<X509Certificate> clientChain(String cn, PublicKey key) throws Exception {
        return List.of(certificate(new X500Name("CN=" + cn), key, KeyPurposeId.id_kp_clientAuth, null, null), ca);
    }

    /** Issues the gateway's client certificate for its CSR, with {@code role} if not null; writes leaf + CA. */
    void issueGateway(Path csr, String cn, String role, Path chain) throws Exception {
        PKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(csr)))) {
            request = (PKCS10CertificationRequest) parser.readObject();
        }
        X509Certificate leaf = certificate(new X500Name("CN=" + cn), new JcaPKCS10CertificationRequest(request).getPublicKey(),
                KeyPurposeId.id_kp_clientAuth, null, role);
        UpstreamItPki.pem(chain, leaf, ca);
    }

    /** A CRL of this CA revoking {@code revoked}, current for a day. */
    void crl(Path file, X509Certificate... revoked) throws Exception {
        Instant now = Instant.now();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(new X500Name("CN=" + name), Date.from(now.minus(Duration.ofMinutes(5))));
        builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
        for (X509Certificate certificate : revoked) {
            builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(1))), CRLReason.keyCompromise);
        }
        builder.addExtension(Extension.authorityKeyIdentifier, false,
                new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caKeys.getPublic()));
        builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
        X509CRL crl = new JcaX509CRLConverter().getCRL(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        UpstreamItPki.pem(file, crl);
    }

    static String sha256(X509Certificate certificate) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }

    private X509Certificate certificate(X500Name subject, PublicKey key, KeyPurposeId purpose, String ipSan, String role)
            throws Exception {
        return UpstreamItPki.certificate(new X500Name("CN=" + name), caKeys, subject, key, purpose, ipSan, role);
    }
}
