package dev.palisade.distro;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A device CA for EnrollIT's children, made with Bouncy Castle inside the framework (a separate
 * class so that the test class itself loads where Bouncy Castle is not). Each instance is one CA
 * with its own name; its device leaves carry the child id as CN, as the hub requires.
 */
final class EnrollItPki {

    private final String name;
    private final KeyPair keys;
    private final X509Certificate ca;

    EnrollItPki(String name) throws Exception {
        this.name = name;
        this.keys = UpstreamItPki.ecKeys();
        this.ca = build(new X500Name("CN=" + name), keys.getPublic(), true);
    }

    /** Writes the CA certificate and its PKCS#8 key (for the hub's proof of possession). */
    void writeCa(Path certificate, Path key) throws Exception {
        UpstreamItPki.pem(certificate, ca);
        UpstreamItPki.pem(key, keys.getPrivate());
    }

    /** @return a device's key pair and chain (leaf, then this CA) */
    Device device(String child) throws Exception {
        KeyPair deviceKeys = UpstreamItPki.ecKeys();
        return new Device(deviceKeys, List.of(build(new X500Name("CN=" + child), deviceKeys.getPublic(), false), ca));
    }

    record Device(KeyPair keys, List<X509Certificate> chain) {
    }

    private X509Certificate build(X500Name subject, PublicKey key, boolean isCa) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                new BigInteger(63, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, key);
        JcaX509ExtensionUtils ids = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.subjectKeyIdentifier, false, ids.createSubjectKeyIdentifier(key));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ids.createAuthorityKeyIdentifier(keys.getPublic()));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature));
        if (!isCa) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }
}
