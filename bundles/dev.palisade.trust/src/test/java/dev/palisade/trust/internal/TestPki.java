package dev.palisade.trust.internal;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds the test corpus: CA, intermediate and leaf certificates with exactly the extensions a
 * test asks for. Defaults make a valid ECDSA P-256 chain; each test changes one thing.
 */
final class TestPki {

    static final Provider BC = new BouncyCastleProvider();
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static long serials = 1000;

    /** A certificate with its key pair. */
    record Issued(byte[] der, KeyPair keys, X500Name subject, byte[] ski) {
    }

    static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA", BC);
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What to put in one certificate. Fields are public on purpose: tests set what they change. */
    static final class Spec {
        String subject;
        Issued issuer;
        KeyPair keys = ec("secp256r1");
        boolean ca;
        boolean basicConstraints = true;
        boolean basicConstraintsCritical = true;
        Integer pathLen;
        Integer keyUsage;
        List<KeyPurposeId> eku = new ArrayList<>();
        List<GeneralName> sans = new ArrayList<>();
        ASN1Encodable nameConstraints;
        boolean ski = true;
        boolean skiCritical;
        boolean aki = true;
        String signatureAlgorithm;
        Instant notBefore = NOW.minus(Duration.ofDays(30));
        Instant notAfter = NOW.plus(Duration.ofDays(365));
        BigInteger serial;
        List<Extension> extra = new ArrayList<>();

        Spec(String subject) {
            this.subject = subject;
        }

        Issued issue() {
            try {
                X500Name name = new X500Name(subject);
                X500Name issuerName = issuer == null ? name : issuer.subject();
                PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
                SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
                X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuerName,
                        serial != null ? serial : BigInteger.valueOf(serials++), Date.from(notBefore),
                        Date.from(notAfter), name, spki);
                JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                if (basicConstraints) {
                    builder.addExtension(Extension.basicConstraints, basicConstraintsCritical,
                            ca && pathLen != null ? new BasicConstraints(pathLen) : new BasicConstraints(ca));
                }
                int usage = keyUsage != null ? keyUsage
                        : ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature;
                if (usage != 0) {
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                }
                if (!eku.isEmpty()) {
                    builder.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(eku.toArray(new KeyPurposeId[0])));
                }
                if (!sans.isEmpty()) {
                    builder.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(sans.toArray(new GeneralName[0])));
                }
                if (nameConstraints != null) {
                    builder.addExtension(Extension.nameConstraints, true, nameConstraints);
                }
                byte[] skiBytes = utils.createSubjectKeyIdentifier(keys.getPublic()).getKeyIdentifier();
                if (ski) {
                    builder.addExtension(Extension.subjectKeyIdentifier, skiCritical,
                            new org.bouncycastle.asn1.x509.SubjectKeyIdentifier(skiBytes));
                }
                if (aki && issuer != null) {
                    builder.addExtension(Extension.authorityKeyIdentifier, false,
                            new org.bouncycastle.asn1.x509.AuthorityKeyIdentifier(issuer.ski()));
                }
                for (Extension extension : extra) {
                    builder.addExtension(extension);
                }
                String algorithm = signatureAlgorithm != null ? signatureAlgorithm
                        : signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
                byte[] der = builder.build(new JcaContentSignerBuilder(algorithm).setProvider(BC).build(signer)).getEncoded();
                return new Issued(der, keys, name, skiBytes);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static Spec root(String cn) {
        Spec spec = new Spec("CN=" + cn + ",O=Test");
        spec.ca = true;
        return spec;
    }

    static Spec intermediate(String cn, Issued issuer) {
        Spec spec = root(cn);
        spec.issuer = issuer;
        return spec;
    }

    static Spec leaf(String cn, Issued issuer) {
        Spec spec = new Spec("CN=" + cn + ",O=Test");
        spec.issuer = issuer;
        spec.eku.add(KeyPurposeId.id_kp_clientAuth);
        return spec;
    }

    static Extension extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
        try {
            return new Extension(oid, critical, value.toASN1Primitive().getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    static GeneralName uri(String name) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, name);
    }

    /** A CRL by {@code issuer} revoking {@code revoked} serials. */
    static byte[] crl(Issued issuer, Instant thisUpdate, Instant nextUpdate, BigInteger... revoked) {
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(issuer.subject(), Date.from(thisUpdate));
            if (nextUpdate != null) {
                builder.setNextUpdate(Date.from(nextUpdate));
            }
            for (BigInteger serial : revoked) {
                builder.addCRLEntry(serial, Date.from(thisUpdate), 1);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new org.bouncycastle.asn1.x509.AuthorityKeyIdentifier(issuer.ski()));
            String algorithm = issuer.keys().getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return builder.build(new JcaContentSignerBuilder(algorithm).setProvider(BC).build(issuer.keys().getPrivate())).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static DERSequence sequence(ASN1Encodable... items) {
        return new DERSequence(items);
    }

    private TestPki() {
    }
}
