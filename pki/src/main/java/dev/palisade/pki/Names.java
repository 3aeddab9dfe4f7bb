package dev.palisade.pki;

import java.security.cert.X509Certificate;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** Reading names out of certificates. */
public final class Names {
    private Names() {
    }

    /**
     * The single common name of the certificate's subject.
     *
     * @return the CN, or null when the subject has none or more than one (both unusable as an id)
     */
    public static String commonName(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length != 1 || cns[0].isMultiValued()) {
            return null;
        }
        return IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
