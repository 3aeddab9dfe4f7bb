package dev.palisade.trust.internal;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * One certificate decoded from its own DER encoding, with bounds, and never changed afterwards.
 * Everything the verifier looks at (names, extensions, identity) comes from here, not from a
 * {@code java.security.cert.X509Certificate} that a PKIX run could have altered.
 *
 * <p>Decoding failures are {@link MalformedException}s; whether a decoded value is acceptable is
 * for {@link ProfileChecks}.
 */
final class Cert {

    /** Far above real device chains (1–2 KiB per certificate); bounds work per certificate. */
    static final int MAX_BYTES = 16 * 1024;

    final byte[] der;
    /** Index in the request's chain, or -1 for a certificate from the domain (anchor, pool). */
    final int requestIndex;
    final TBSCertificate tbs;
    final byte[] tbsDer;
    final byte[] signature;
    final X500Name subject;
    final X500Name issuer;
    final BigInteger serial;
    final Instant notBefore;
    final Instant notAfter;
    final Extensions extensions;
    final BasicConstraints basicConstraints;
    final KeyUsage keyUsage;
    final List<ASN1ObjectIdentifier> extendedKeyUsage;
    final GeneralNames subjectAltNames;
    final NameConstraints nameConstraints;
    final byte[] subjectKeyId;
    final AuthorityKeyIdentifier authorityKeyId;
    final String fingerprint;
    final boolean selfIssued;
    /** What is derived lazily, shared by the copies {@link #at} makes. */
    private static final class Memo {
        volatile PublicKey publicKey;
        volatile List<String> crlUrls;
    }

    private final Memo memo;

    private Cert(byte[] der, int requestIndex) throws MalformedException {
        this.memo = new Memo();
        this.der = der;
        this.requestIndex = requestIndex;
        ASN1Primitive primitive = Der.parse(der);
        try {
            Certificate certificate = Certificate.getInstance(primitive);
            if (!Arrays.equals(certificate.getEncoded(ASN1Encoding.DER), der)) {
                throw new MalformedException("not a DER encoding (BER or non-canonical forms are refused because the"
                        + " signed bytes would be ambiguous)");
            }
            tbs = certificate.getTBSCertificate();
            // The encoding is canonical DER (checked just above): the signed part is its first element, as is.
            tbsDer = firstElement(der);
            if (!certificate.getSignatureAlgorithm().equals(tbs.getSignature())) {
                throw new MalformedException("the outer signature algorithm differs from the one in the signed part");
            }
            if (certificate.getSignature().getPadBits() != 0) {
                throw new MalformedException("the signature bit string has unused bits");
            }
            signature = certificate.getSignature().getOctets();
            subject = X500Name.getInstance(BCStyle.INSTANCE, tbs.getSubject());
            issuer = X500Name.getInstance(BCStyle.INSTANCE, tbs.getIssuer());
            serial = tbs.getSerialNumber().getValue();
            notBefore = tbs.getStartDate().getDate().toInstant();
            notAfter = tbs.getEndDate().getDate().toInstant();
            extensions = tbs.getExtensions();
            // Each extension is decoded once (this runs for every certificate of every new chain).
            ASN1Primitive bc = extension(Extension.basicConstraints);
            basicConstraints = bc == null ? null : BasicConstraints.getInstance(bc);
            ASN1Primitive ku = extension(Extension.keyUsage);
            keyUsage = ku == null ? null : KeyUsage.getInstance(ku);
            ASN1Primitive eku = extension(Extension.extendedKeyUsage);
            extendedKeyUsage = eku == null ? null : purposes(ExtendedKeyUsage.getInstance(eku));
            ASN1Primitive san = extension(Extension.subjectAlternativeName);
            subjectAltNames = san == null ? null : GeneralNames.getInstance(san);
            ASN1Primitive nc = extension(Extension.nameConstraints);
            nameConstraints = nc == null ? null : NameConstraints.getInstance(nc);
            ASN1Primitive ski = extension(Extension.subjectKeyIdentifier);
            subjectKeyId = ski == null ? null : SubjectKeyIdentifier.getInstance(ski).getKeyIdentifier();
            ASN1Primitive aki = extension(Extension.authorityKeyIdentifier);
            authorityKeyId = aki == null ? null : AuthorityKeyIdentifier.getInstance(aki);
            checkNames();
        } catch (MalformedException e) {
            throw e;
        } catch (java.io.IOException | RuntimeException e) {
            throw new MalformedException("not an X.509 certificate: " + Text.safe(e.getMessage()));
        }
        fingerprint = Text.hex(sha256(der));
        selfIssued = subject.equals(issuer);
    }

    /** The same decoded certificate at another index of a request. */
    private Cert(Cert other, int requestIndex) {
        this.requestIndex = requestIndex;
        this.der = other.der;
        this.tbs = other.tbs;
        this.tbsDer = other.tbsDer;
        this.signature = other.signature;
        this.subject = other.subject;
        this.issuer = other.issuer;
        this.serial = other.serial;
        this.notBefore = other.notBefore;
        this.notAfter = other.notAfter;
        this.extensions = other.extensions;
        this.basicConstraints = other.basicConstraints;
        this.keyUsage = other.keyUsage;
        this.extendedKeyUsage = other.extendedKeyUsage;
        this.subjectAltNames = other.subjectAltNames;
        this.nameConstraints = other.nameConstraints;
        this.subjectKeyId = other.subjectKeyId;
        this.authorityKeyId = other.authorityKeyId;
        this.fingerprint = other.fingerprint;
        this.selfIssued = other.selfIssued;
        this.memo = other.memo;
    }

    /**
     * @param index the index in the request at hand
     * @return this certificate numbered for that request (decoded values and memos shared)
     */
    Cert at(int index) {
        return index == requestIndex ? this : new Cert(this, index);
    }

    /** @return the first element inside the outer SEQUENCE of a DER encoding that {@link Der#scan} accepted */
    private static byte[] firstElement(byte[] der) {
        int start = headerLength(der, 0);
        return Arrays.copyOfRange(der, start, start + headerLength(der, start) + contentLength(der, start));
    }

    private static int headerLength(byte[] der, int at) {
        int first = der[at + 1] & 0xff;
        return first < 0x80 ? 2 : 2 + (first & 0x7f);
    }

    private static int contentLength(byte[] der, int at) {
        int first = der[at + 1] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int length = 0;
        for (int i = 0; i < (first & 0x7f); i++) {
            length = (length << 8) | (der[at + 2 + i] & 0xff);
        }
        return length;
    }

    /**
     * @param der the encoding, not copied: callers hand in their own copy
     * @param requestIndex index in the request, or -1
     * @return the certificate
     * @throws MalformedException if it is too large or not a DER X.509 certificate
     */
    static Cert parse(byte[] der, int requestIndex) throws MalformedException {
        if (der.length > MAX_BYTES) {
            throw new MalformedException("encoding of " + der.length + " bytes exceeds the limit of " + MAX_BYTES);
        }
        return new Cert(der, requestIndex);
    }

    /**
     * Bouncy Castle decodes names lazily: a malformed RDN would only throw later, in a hash map
     * lookup during path building (found by the byte-mutation test). Touch every name now.
     */
    private void checkNames() {
        List<X500Name> names = new ArrayList<>(List.of(subject, issuer));
        if (subjectAltNames != null) {
            for (org.bouncycastle.asn1.x509.GeneralName name : subjectAltNames.getNames()) {
                if (name.getTagNo() == org.bouncycastle.asn1.x509.GeneralName.directoryName) {
                    names.add(X500Name.getInstance(BCStyle.INSTANCE, name.getName()));
                }
            }
        }
        if (nameConstraints != null) {
            for (org.bouncycastle.asn1.x509.GeneralSubtree[] subtrees : new org.bouncycastle.asn1.x509.GeneralSubtree[][] {
                nameConstraints.getPermittedSubtrees(), nameConstraints.getExcludedSubtrees()}) {
                for (org.bouncycastle.asn1.x509.GeneralSubtree subtree : subtrees == null
                        ? new org.bouncycastle.asn1.x509.GeneralSubtree[0] : subtrees) {
                    if (subtree.getBase().getTagNo() == org.bouncycastle.asn1.x509.GeneralName.directoryName) {
                        names.add(X500Name.getInstance(BCStyle.INSTANCE, subtree.getBase().getName()));
                    }
                }
            }
        }
        for (X500Name name : names) {
            name.hashCode();
            name.toString();
            for (RDN rdn : name.getRDNs()) {
                rdn.getTypesAndValues();
            }
        }
    }

    private ASN1Primitive extension(ASN1ObjectIdentifier oid) throws MalformedException {
        if (extensions == null) {
            return null;
        }
        Extension extension = extensions.getExtension(oid);
        return extension == null ? null : Der.parse(extension.getExtnValue().getOctets());
    }

    private static List<ASN1ObjectIdentifier> purposes(ExtendedKeyUsage eku) {
        List<ASN1ObjectIdentifier> oids = new ArrayList<>();
        for (KeyPurposeId purpose : eku.getUsages()) {
            oids.add(purpose.toOID());
        }
        return List.copyOf(oids);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Most CRL URLs taken from one certificate: bounds what a CA's certificate can make us fetch. */
    static final int MAX_CRL_URLS = 4;

    /**
     * The http URLs of the certificate's CRL distribution points, decoded on first use (only a
     * domain that checks revocation asks). Distribution points limited to some reasons or naming
     * another CRL issuer are left out: this verifier does not process partial or indirect CRLs.
     *
     * @return at most {@link #MAX_CRL_URLS} URLs, possibly none
     */
    List<String> crlUrls() {
        List<String> urls = memo.crlUrls;
        if (urls == null) {
            List<String> found = new ArrayList<>();
            try {
                ASN1Primitive value = extension(Extension.cRLDistributionPoints);
                if (value != null) {
                    for (org.bouncycastle.asn1.x509.DistributionPoint point
                            : org.bouncycastle.asn1.x509.CRLDistPoint.getInstance(value).getDistributionPoints()) {
                        if (point.getReasons() != null || point.getCRLIssuer() != null || point.getDistributionPoint() == null
                                || point.getDistributionPoint().getType() != org.bouncycastle.asn1.x509.DistributionPointName.FULL_NAME) {
                            continue;
                        }
                        for (org.bouncycastle.asn1.x509.GeneralName name
                                : GeneralNames.getInstance(point.getDistributionPoint().getName()).getNames()) {
                            if (name.getTagNo() == org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier
                                    && found.size() < MAX_CRL_URLS) {
                                String url = Names.ia5(name);
                                if (url != null && url.length() <= 2048 && url.regionMatches(true, 0, "http://", 0, 7)) {
                                    found.add(url);
                                }
                            }
                        }
                    }
                }
            } catch (MalformedException | RuntimeException e) {
                // An undecodable extension gives no URL; the verdict does not depend on it.
            }
            urls = List.copyOf(found);
            memo.crlUrls = urls;
        }
        return urls;
    }

    boolean isCa() {
        return basicConstraints != null && basicConstraints.isCA();
    }

    boolean isCritical(ASN1ObjectIdentifier oid) {
        Extension extension = extensions == null ? null : extensions.getExtension(oid);
        return extension != null && extension.isCritical();
    }

    boolean has(ASN1ObjectIdentifier oid) {
        return extensions != null && extensions.getExtension(oid) != null;
    }

    /** @return the first subject CN, or null */
    String commonName() {
        RDN[] rdns = subject.getRDNs(BCStyle.CN);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    /** @return the subject as a field engineer reads it, made safe for one line */
    String displayName() {
        String text = subject.toString();
        return text.isEmpty() ? "empty subject" : Text.safe(text);
    }

    /**
     * @param provider the provider whose key factories decode the key
     * @return the subject public key, decoded once
     * @throws GeneralSecurityException if it cannot be decoded
     */
    PublicKey publicKey(Provider provider) throws GeneralSecurityException {
        PublicKey key = memo.publicKey;
        if (key == null) {
            try {
                byte[] spki = tbs.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER);
                String algorithm = Algorithms.keyFactoryName(tbs.getSubjectPublicKeyInfo());
                key = KeyFactory.getInstance(algorithm, provider).generatePublic(new X509EncodedKeySpec(spki));
            } catch (java.io.IOException | RuntimeException e) {
                throw new GeneralSecurityException("undecodable public key: " + e.getMessage(), e);
            }
            memo.publicKey = key;
        }
        return key;
    }
}
