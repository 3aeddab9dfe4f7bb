package dev.palisade.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
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
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes certificates for testing: EC P-256 keys, SHA256withECDSA signatures, and an
 * organisation name that says they are for testing only.
 *
 * <p>Nothing here is fit for production: keys are software keys, and private keys of CAs are
 * written to files. It exists so that integrators and our tests can exercise the hub's CA
 * registration and a gateway's mutual TLS without an external PKI. Uses the JDK's providers
 * only (Bouncy Castle builds and encodes; it is not registered as a provider).
 */
public final class TestPki {
    /** The organisation of every subject this tool writes: a test certificate says so. */
    public static final String TEST_ORGANISATION = "Palisade TEST PKI - FOR TESTING ONLY";

    /** How a leaf certificate is meant to be used. */
    public enum Kind {
        /** A leaf device: TLS client. */
        DEVICE,
        /** A gateway: TLS client towards the hub. */
        GATEWAY,
        /** A TLS server (the hub): TLS server with subject alternative names. */
        SERVER,
        /** A publisher of update sets: code signing only (extended key usage id-kp-codeSigning). */
        PUBLISHER
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Back-dating absorbs clock skew between the machine that issues and the one that checks. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private TestPki() {
    }

    /** A self-signed root CA. */
    public static TestCredential rootCa(String name, Duration validity) {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = subject(name);
        X509Certificate cert = build(subject, keys.getPublic(), subject, keys, null,
                now.minus(BACKDATE), now.plus(validity), ca(-1));
        return new TestCredential(cert, keys.getPrivate(), List.of(cert));
    }

    /** An intermediate CA under {@code issuer}. */
    public static TestCredential intermediateCa(TestCredential issuer, String name, Duration validity) {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        return issued(issuer, keys, subject(name), now.minus(BACKDATE), now.plus(validity), ca(0));
    }

    /** A leaf certificate for a device, gateway or server, valid from now for {@code validity}. */
    public static TestCredential leaf(TestCredential issuer, String commonName, Kind kind, Duration validity) {
        Instant now = Instant.now();
        return leaf(issuer, commonName, kind, now.minus(BACKDATE), now.plus(validity));
    }

    /** A leaf certificate with an explicit validity window (tests use it for expired certificates). */
    public static TestCredential leaf(TestCredential issuer, String commonName, Kind kind, Instant notBefore,
            Instant notAfter) {
        return issued(issuer, newKeyPair(), subject(commonName), notBefore, notAfter, leafExtensions(kind));
    }

    /** A self-signed leaf certificate, registered at the hub by its thumbprint. */
    public static TestCredential selfSigned(String commonName, Kind kind, Duration validity) {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = subject(commonName);
        X509Certificate cert = build(subject, keys.getPublic(), subject, keys, null, now.minus(BACKDATE),
                now.plus(validity), leafExtensions(kind));
        return new TestCredential(cert, keys.getPrivate(), List.of(cert));
    }

    /**
     * The proof-of-possession certificate for a CA registration: subject CN is the hub's
     * verification code, signed with the CA's private key. Valid from now (no back-dating
     * beyond a minute, so the hub's freshness check sees it was made after the code).
     */
    public static TestCredential verificationCertificate(TestCredential ca, String code, Duration validity) {
        Instant now = Instant.now();
        return issued(ca, newKeyPair(), subject(code), now.minus(Duration.ofMinutes(1)), now.plus(validity),
                leafExtensions(Kind.DEVICE));
    }

    private static TestCredential issued(TestCredential issuer, KeyPair keys, X500Name subject, Instant notBefore,
            Instant notAfter, List<Ext> extensions) {
        X500Name issuerName = X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
        X509Certificate cert = build(subject, keys.getPublic(), issuerName,
                new KeyPair(issuer.certificate().getPublicKey(), issuer.key()), issuer.certificate(), notBefore,
                notAfter, extensions);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(issuer.chain());
        return new TestCredential(cert, keys.getPrivate(), chain);
    }

    /** A subject: CN, then the organisation that marks the certificate as a test certificate. */
    static X500Name subject(String commonName) {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("a certificate needs a non-empty common name");
        }
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, TEST_ORGANISATION)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private record Ext(org.bouncycastle.asn1.ASN1ObjectIdentifier oid, boolean critical,
            org.bouncycastle.asn1.ASN1Encodable value) {
    }

    private static List<Ext> ca(int pathLength) {
        return List.of(
                new Ext(Extension.basicConstraints, true,
                        pathLength < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLength)),
                new Ext(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
    }

    private static List<Ext> leafExtensions(Kind kind) {
        List<Ext> ext = new ArrayList<>();
        ext.add(new Ext(Extension.basicConstraints, true, new BasicConstraints(false)));
        ext.add(new Ext(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)));
        KeyPurposeId purpose = switch (kind) {
            case SERVER -> KeyPurposeId.id_kp_serverAuth;
            case PUBLISHER -> KeyPurposeId.id_kp_codeSigning;
            default -> KeyPurposeId.id_kp_clientAuth;
        };
        ext.add(new Ext(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose)));
        if (kind == Kind.SERVER) {
            ext.add(new Ext(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")})));
        }
        return ext;
    }

    private static X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer, KeyPair issuerKeys,
            X509Certificate issuerCert, Instant notBefore, Instant notAfter, List<Ext> extensions) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
                    subject, subjectKey);
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                    ? utils.createAuthorityKeyIdentifier(issuerKeys.getPublic())
                    : utils.createAuthorityKeyIdentifier(issuerCert));
            for (Ext e : extensions) {
                builder.addExtension(e.oid(), e.critical(), e.value());
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signatureAlgorithm(issuerKeys.getPublic()))
                            .build(issuerKeys.getPrivate())));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("could not build the test certificate for " + subject + ": " + e, e);
        }
    }

    private static String signatureAlgorithm(PublicKey issuerKey) {
        return switch (issuerKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported CA key algorithm " + issuerKey.getAlgorithm());
        };
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make EC P-256 keys: " + e, e);
        }
    }
}
