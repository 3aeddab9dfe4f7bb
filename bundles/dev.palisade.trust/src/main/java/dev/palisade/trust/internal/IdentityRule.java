package dev.palisade.trust.internal;

import java.util.LinkedHashSet;
import java.util.Set;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * How a device's identity is derived from its leaf certificate. Works on the {@link Cert}
 * decoded from the leaf's own DER, so nothing validation does can change the answer.
 *
 * @param source where the identity comes from
 * @param uriPrefix for {@link Source#SAN_URI}: only URIs starting with it count, and the identity
 *        is the rest of the URI (empty prefix: the whole URI)
 */
record IdentityRule(Source source, String uriPrefix) {

    /** The subject CN rule, the default. */
    static final IdentityRule SUBJECT_CN = new IdentityRule(Source.SUBJECT_CN, "");

    /** Where the identity is read. */
    enum Source { SUBJECT_CN, SAN_URI, SAN_DNS }

    IdentityRule {
        uriPrefix = uriPrefix == null ? "" : uriPrefix;
    }

    /**
     * @param leaf the leaf
     * @return the identity, or null with the reason in {@code why[0]}
     */
    String derive(Cert leaf, String[] why) {
        Set<String> found = new LinkedHashSet<>();
        switch (source) {
            case SUBJECT_CN:
                for (RDN rdn : leaf.subject.getRDNs(BCStyle.CN)) {
                    if (rdn.isMultiValued()) {
                        why[0] = "the subject CN is part of a multi-valued RDN";
                        return null;
                    }
                    if (rdn.getFirst().getValue() instanceof ASN1String) {
                        found.add(((ASN1String) rdn.getFirst().getValue()).getString());
                    }
                }
                break;
            case SAN_URI:
            case SAN_DNS:
                if (leaf.subjectAltNames != null) {
                    int tag = source == Source.SAN_URI ? GeneralName.uniformResourceIdentifier : GeneralName.dNSName;
                    for (GeneralName name : leaf.subjectAltNames.getNames()) {
                        if (name.getTagNo() == tag) {
                            String value = ((ASN1String) name.getName()).getString();
                            if (source == Source.SAN_DNS) {
                                found.add(value.toLowerCase(java.util.Locale.ROOT));
                            } else if (value.startsWith(uriPrefix) && value.length() > uriPrefix.length()) {
                                found.add(value.substring(uriPrefix.length()));
                            }
                        }
                    }
                }
                break;
            default:
                throw new IllegalStateException(source.toString());
        }
        if (found.isEmpty()) {
            why[0] = "identity rule " + describe() + " finds no identity in the leaf";
            return null;
        }
        if (found.size() > 1) {
            why[0] = "identity rule " + describe() + " finds " + found.size() + " different identities in the leaf";
            return null;
        }
        String identity = found.iterator().next();
        if (identity.isBlank() || !identity.equals(Text.safe(identity))) {
            why[0] = "identity rule " + describe() + " finds an identity that is blank, too long or has control characters";
            return null;
        }
        return identity;
    }

    String describe() {
        switch (source) {
            case SAN_URI:
                return "san-uri" + (uriPrefix.isEmpty() ? "" : " (prefix " + uriPrefix + ")");
            case SAN_DNS:
                return "san-dns";
            default:
                return "subject-cn";
        }
    }
}
