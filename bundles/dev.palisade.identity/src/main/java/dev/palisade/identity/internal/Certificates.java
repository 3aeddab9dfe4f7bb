package dev.palisade.identity.internal;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.KeyType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate work around a key that may live on a token: the placeholder certificate, the
 * PKCS#10 request, PEM, fingerprints. Every signature is made through the key's own provider,
 * so the private key never has to leave the token.
 */
final class Certificates {

    /** Marks the self-signed certificate {@code init} stores with a new key (a PKCS#11 keystore lists only keys with a certificate). */
    static final String PLACEHOLDER_OU = "Palisade placeholder - not issued";

    private Certificates() {
    }

    /** A self-signed certificate for a fresh key, valid for a year, recognisable by {@link #isPlaceholder}. */
    static X509Certificate placeholder(String alias, PublicKey publicKey, PrivateKey key, KeyType type, Provider provider)
            throws IdentityException {
        X500Name name = new X500Name(new RDN[] {
            new RDN(BCStyle.OU, new org.bouncycastle.asn1.DERUTF8String(PLACEHOLDER_OU)),
            new RDN(BCStyle.CN, new org.bouncycastle.asn1.DERUTF8String(alias))});
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(365))), name, publicKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(type, key, provider)));
        } catch (CertificateException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot build the placeholder certificate: " + e.getMessage(), e);
        }
    }

    /** @return {@code true} for a certificate made by {@link #placeholder} */
    static boolean isPlaceholder(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())
                && certificate.getSubjectX500Principal().getName().contains("OU=" + PLACEHOLDER_OU);
    }

    /**
     * @return a PKCS#10 request in PEM for {@code publicKey}, signed with {@code key}
     * @throws IllegalArgumentException naming a subject alternative name whose value is invalid
     */
    static String csr(CsrRequest request, PublicKey publicKey, PrivateKey key, KeyType type, Provider provider)
            throws IdentityException {
        JcaPKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(
                X500Name.getInstance(request.subject().getEncoded()), publicKey);
        if (!request.subjectAltNames().isEmpty()) {
            List<GeneralName> names = new ArrayList<>();
            for (String san : request.subjectAltNames()) {
                names.add(generalName(san));
            }
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            try {
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(new GeneralName[0])));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot encode the subject alternative names: " + e.getMessage(), e);
            }
            builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
        }
        PKCS10CertificationRequest csr = builder.build(signer(type, key, provider));
        return pem(csr);
    }

    private static GeneralName generalName(String san) {
        int colon = san.indexOf(':');
        String type = san.substring(0, colon);
        String value = san.substring(colon + 1);
        switch (type) {
            case "dns":
                if (!value.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
                    throw new IllegalArgumentException("subject alternative name '" + san + "' is not a DNS name");
                }
                return new GeneralName(GeneralName.dNSName, value);
            case "ip":
                try {
                    return new GeneralName(GeneralName.iPAddress, value);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("subject alternative name '" + san + "' is not an IPv4 or IPv6 address");
                }
            case "uri":
                try {
                    if (new URI(value).getScheme() == null) {
                        throw new URISyntaxException(value, "no scheme");
                    }
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("subject alternative name '" + san + "' is not an absolute URI");
                }
                return new GeneralName(GeneralName.uniformResourceIdentifier, value);
            default:
                if (!value.matches("[^@\\s]+@[^@\\s]+")) {
                    throw new IllegalArgumentException("subject alternative name '" + san + "' is not an e-mail address");
                }
                return new GeneralName(GeneralName.rfc822Name, value);
        }
    }

    private static ContentSigner signer(KeyType type, PrivateKey key, Provider provider) throws IdentityException {
        JcaContentSignerBuilder builder = new JcaContentSignerBuilder(type.signatureAlgorithm());
        if (provider != null) {
            builder.setProvider(provider);
        }
        try {
            return builder.build(key);
        } catch (OperatorCreationException e) {
            throw TokenErrors.map("preparing a " + type.signatureAlgorithm() + " signature with the key", e);
        }
    }

    static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding to memory failed", e);
        }
        return text.toString();
    }

    /**
     * @param pem one or more PEM certificates
     * @param what what the text is, for the message ("the chain file /tmp/chain.pem")
     * @return the certificates in the order given
     * @throws IdentityException {@code CHAIN_INVALID} if the text holds no certificate or a malformed one
     */
    static List<X509Certificate> parse(String pem, String what) throws IdentityException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certificates = new ArrayList<>();
            factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .forEach(c -> certificates.add((X509Certificate) c));
            if (certificates.isEmpty()) {
                throw new IdentityException(Reason.CHAIN_INVALID, what + " holds no certificate");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IdentityException(Reason.CHAIN_INVALID, what + " is not a valid PEM certificate list: " + e.getMessage(), e);
        }
    }

    /** @return SHA-256 of the certificate's DER encoding, 64 lower-case hex digits */
    static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /**
     * @return the key type of {@code key}
     * @throws IdentityException {@code KEY_TYPE_UNSUPPORTED} for anything but P-256, P-384, RSA-2048 and RSA-3072
     */
    static KeyType keyType(PublicKey key) throws IdentityException {
        if (key instanceof ECPublicKey) {
            int bits = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
            for (KeyType type : KeyType.values()) {
                if (type.curve() != null && type.bits() == bits) {
                    return type;
                }
            }
        } else if (key instanceof RSAPublicKey) {
            int bits = ((RSAPublicKey) key).getModulus().bitLength();
            for (KeyType type : KeyType.values()) {
                if (type.curve() == null && type.bits() == bits) {
                    return type;
                }
            }
        }
        throw new IdentityException(Reason.KEY_TYPE_UNSUPPORTED, "the key is a " + key.getAlgorithm()
                + " key Palisade does not use; supported: EC P-256, EC P-384, RSA 2048 and 3072");
    }

    /** @return the subject's first CN, or {@code null} if it has none */
    static String commonName(X500Principal subject) {
        RDN[] cns = X500Name.getInstance(subject.getEncoded()).getRDNs(BCStyle.CN);
        return cns.length == 0 ? null : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
