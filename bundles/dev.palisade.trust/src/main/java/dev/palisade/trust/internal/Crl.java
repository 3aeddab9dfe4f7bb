package dev.palisade.trust.internal;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CertificateList;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.TBSCertList;

/**
 * One CRL decoded from its DER, with bounds. Whether it may be used for a given issuer (key
 * usage, signature, freshness) is decided by {@link Revocation} at use time, because the issuer's
 * certificate is only known from the path.
 */
final class Crl {

    /** A CRL for a plant's device CA is kilobytes; this bounds memory and parsing per file. */
    static final int MAX_BYTES = 8 * 1024 * 1024;

    final X500Name issuer;
    final Instant thisUpdate;
    final Instant nextUpdate;
    final String source;
    final Instant loadedAt;
    final String signatureAlgorithm;
    final byte[] tbsDer;
    final byte[] signature;
    final byte[] authorityKeyId;
    /** Why this CRL can never be used (an extension we do not process), or null. */
    final String unusable;
    private final Map<BigInteger, Instant> revoked;
    /** Signature results per issuer certificate fingerprint: each pair is verified once. */
    private final Map<String, Boolean> verifiedBy = new ConcurrentHashMap<>();

    private Crl(byte[] der, String source, Instant loadedAt) throws MalformedException {
        if (der.length > MAX_BYTES) {
            throw new MalformedException("CRL of " + der.length + " bytes exceeds the limit of " + MAX_BYTES);
        }
        this.source = source;
        this.loadedAt = loadedAt;
        try {
            CertificateList list = CertificateList.getInstance(Der.parse(der));
            if (!Arrays.equals(list.getEncoded(ASN1Encoding.DER), der)) {
                throw new MalformedException("CRL is not a DER encoding");
            }
            TBSCertList tbs = list.getTBSCertList();
            if (!list.getSignatureAlgorithm().equals(tbs.getSignature())) {
                throw new MalformedException("CRL's outer signature algorithm differs from the signed one");
            }
            issuer = X500Name.getInstance(BCStyle.INSTANCE, tbs.getIssuer());
            thisUpdate = tbs.getThisUpdate().getDate().toInstant();
            nextUpdate = tbs.getNextUpdate() == null ? null : tbs.getNextUpdate().getDate().toInstant();
            signatureAlgorithm = Algorithms.signatureName(tbs.getSignature());
            tbsDer = tbs.getEncoded(ASN1Encoding.DER);
            signature = list.getSignature().getOctets();
            Extensions extensions = tbs.getExtensions();
            String problem = null;
            byte[] keyId = null;
            if (extensions != null) {
                for (ASN1ObjectIdentifier oid : extensions.getCriticalExtensionOIDs()) {
                    // issuingDistributionPoint and deltaCRLIndicator change what the CRL covers: not processed.
                    problem = "critical CRL extension " + oid.getId() + " is not processed";
                }
                Extension aki = extensions.getExtension(Extension.authorityKeyIdentifier);
                if (aki != null) {
                    keyId = AuthorityKeyIdentifier.getInstance(Der.parse(aki.getExtnValue().getOctets())).getKeyIdentifier();
                }
            }
            authorityKeyId = keyId;
            Map<BigInteger, Instant> entries = new HashMap<>();
            Enumeration<?> e = tbs.getRevokedCertificateEnumeration();
            while (e.hasMoreElements()) {
                TBSCertList.CRLEntry entry = (TBSCertList.CRLEntry) e.nextElement();
                Extensions entryExtensions = entry.getExtensions();
                if (entryExtensions != null && entryExtensions.getCriticalExtensionOIDs().length > 0) {
                    // certificateIssuer (indirect CRLs) is the usual one: entries would belong to another issuer.
                    problem = "critical CRL entry extension " + entryExtensions.getCriticalExtensionOIDs()[0].getId()
                            + " is not processed";
                }
                entries.put(entry.getUserCertificate().getValue(), entry.getRevocationDate().getDate().toInstant());
            }
            unusable = problem;
            revoked = Map.copyOf(entries);
        } catch (MalformedException e) {
            throw e;
        } catch (java.io.IOException | RuntimeException e) {
            throw new MalformedException("not an X.509 CRL: " + Text.safe(e.getMessage()));
        }
    }

    /**
     * @param der the CRL's DER encoding
     * @param source where it came from, for {@code palisade:trust}
     * @param loadedAt when it was read
     * @return the CRL
     * @throws MalformedException if it cannot be read
     */
    static Crl parse(byte[] der, String source, Instant loadedAt) throws MalformedException {
        return new Crl(der, source, loadedAt);
    }

    int revokedCount() {
        return revoked.size();
    }

    /** @return when the serial was revoked, or null */
    Instant revokedAt(BigInteger serial) {
        return revoked.get(serial);
    }

    Map<String, Boolean> verifiedBy() {
        return verifiedBy;
    }
}
