package dev.palisade.distro;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small ECDSA P-256 PKI for {@link TrustIT}, built inside the framework with the distribution's
 * own Bouncy Castle bundles (they are not on the test runner's class path). Only called from
 * test methods, which run in the framework; the runner never loads this class.
 */
final class TrustItPki {

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIALS = new AtomicLong(5000);

    /** A certificate and its key. */
    static final class Issued {
        final byte[] der;
        final KeyPair keys;
        final X500Name subject;
        final byte[] ski;

        Issued(byte[] der, KeyPair keys, X500Name subject, byte[] ski) {
            this.der = der;
            this.keys = keys;
            this.subject = subject;
            this.ski = ski;
        }
    }

    private TrustItPki() {
    }

    static Issued ca(String cn, Issued issuer) {
        return issue(cn, issuer, true);
    }

    static Issued device(String cn, Issued issuer) {
        return issue(cn, issuer, false);
    }

    static String pem(Issued... certs) {
        StringBuilder out = new StringBuilder();
        for (Issued cert : certs) {
            out.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.der))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return out.toString();
    }

    private static Issued issue(String cn, Issued issuer, boolean ca) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + cn + ",O=TrustIT");
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer == null ? name : issuer.subject,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(365))), name,
                    SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
            byte[] ski = new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()).getKeyIdentifier();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            builder.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski));
            if (issuer != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(issuer.ski));
            }
            if (!ca) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            KeyPair signer = issuer == null ? keys : issuer.keys;
            byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(BC)
                    .build(signer.getPrivate())).getEncoded();
            return new Issued(der, keys, name, ski);
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the test PKI", e);
        }
    }
}
