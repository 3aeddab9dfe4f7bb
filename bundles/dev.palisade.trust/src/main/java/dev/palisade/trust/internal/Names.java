package dev.palisade.trust.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * Name syntax (subjectAltName and nameConstraints entries) and RFC 5280 §4.2.1.10 name
 * constraint matching for DNS names, IP addresses, e-mail addresses, URIs and directory names.
 *
 * <p>Constraints are applied to the subject DN and the subjectAltName only — never to a subject
 * CN read as a host name (the JDK does that, and refuses valid chains for it).
 */
final class Names {

    private Names() {
    }

    /** @return what is wrong with the names, or null */
    static String sanSyntax(GeneralNames names) {
        GeneralName[] all = names.getNames();
        if (all.length == 0) {
            return "no names";
        }
        for (GeneralName name : all) {
            String problem = nameSyntax(name);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String nameSyntax(GeneralName name) {
        switch (name.getTagNo()) {
            case GeneralName.dNSName: {
                String dns = ia5(name);
                return dns != null && isDns(dns, true, false) ? null : "bad DNS name '" + Text.safe(dns) + "'";
            }
            case GeneralName.rfc822Name: {
                String mail = ia5(name);
                int at = mail == null ? -1 : mail.lastIndexOf('@');
                return at > 0 && isLocalPart(mail.substring(0, at)) && isDns(mail.substring(at + 1), false, false)
                        ? null : "bad e-mail address '" + Text.safe(mail) + "'";
            }
            case GeneralName.iPAddress: {
                int length = ASN1OctetString.getInstance(name.getName()).getOctets().length;
                return length == 4 || length == 16 ? null : "IP address of " + length + " octets";
            }
            case GeneralName.uniformResourceIdentifier: {
                String uri = ia5(name);
                try {
                    return uri != null && new URI(uri).isAbsolute() ? null : "bad URI '" + Text.safe(uri) + "'";
                } catch (URISyntaxException e) {
                    return "bad URI '" + Text.safe(uri) + "'";
                }
            }
            default:
                return null;
        }
    }

    /** @return what is wrong with the constraints, or null */
    static String constraintSyntax(NameConstraints constraints) {
        GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
        GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
        if ((permitted == null || permitted.length == 0) && (excluded == null || excluded.length == 0)) {
            return "neither permitted nor excluded subtrees";
        }
        for (GeneralSubtree[] subtrees : new GeneralSubtree[][] {permitted, excluded}) {
            for (GeneralSubtree subtree : subtrees == null ? new GeneralSubtree[0] : subtrees) {
                if (subtree.getMinimum().signum() != 0 || subtree.getMaximum() != null) {
                    return "a subtree with minimum or maximum (RFC 5280 forbids them)";
                }
                String problem = constraintSyntax(subtree.getBase());
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String constraintSyntax(GeneralName base) {
        switch (base.getTagNo()) {
            case GeneralName.dNSName: {
                String dns = ia5(base);
                return dns != null && (dns.isEmpty() || isDns(dns, false, true)) ? null : "bad DNS constraint '" + Text.safe(dns) + "'";
            }
            case GeneralName.uniformResourceIdentifier: {
                String host = ia5(base);
                return host != null && isDns(host, false, true) ? null : "bad URI host constraint '" + Text.safe(host) + "'";
            }
            case GeneralName.rfc822Name: {
                String mail = ia5(base);
                if (mail == null) {
                    return "bad e-mail constraint";
                }
                int at = mail.lastIndexOf('@');
                boolean ok = at < 0 ? isDns(mail, false, true)
                        : at > 0 && isLocalPart(mail.substring(0, at)) && isDns(mail.substring(at + 1), false, false);
                return ok ? null : "bad e-mail constraint '" + Text.safe(mail) + "'";
            }
            case GeneralName.iPAddress: {
                byte[] octets = ASN1OctetString.getInstance(base.getName()).getOctets();
                if (octets.length != 8 && octets.length != 32) {
                    return "IP constraint of " + octets.length + " octets (must be address and mask: 8 or 32)";
                }
                return contiguousMask(octets, octets.length / 2) ? null : "IP constraint with a non-contiguous mask";
            }
            default:
                return null;
        }
    }

    /**
     * @param ca the certificate holding the constraints
     * @param subject a certificate below it in the path
     * @return the violated rule, or null
     */
    static String violation(Cert ca, Cert subject) {
        NameConstraints constraints = ca.nameConstraints;
        List<GeneralName> names = new ArrayList<>();
        if (subject.subject.getRDNs().length > 0) {
            names.add(new GeneralName(subject.subject));
            for (RDN rdn : subject.subject.getRDNs(BCStyle.EmailAddress)) {
                if (rdn.getFirst().getValue() instanceof ASN1String) {
                    names.add(new GeneralName(GeneralName.rfc822Name, ((ASN1String) rdn.getFirst().getValue()).getString()));
                }
            }
        }
        if (subject.subjectAltNames != null) {
            names.addAll(List.of(subject.subjectAltNames.getNames()));
        }
        for (GeneralName name : names) {
            boolean constrainedType = false;
            boolean permitted = false;
            for (GeneralSubtree subtree : orEmpty(constraints.getPermittedSubtrees())) {
                if (subtree.getBase().getTagNo() == name.getTagNo()) {
                    constrainedType = true;
                    permitted |= matches(name, subtree.getBase(), false);
                }
            }
            if (constrainedType && !permitted) {
                return describe(name) + " is outside the permitted subtrees";
            }
            for (GeneralSubtree subtree : orEmpty(constraints.getExcludedSubtrees())) {
                if (subtree.getBase().getTagNo() == name.getTagNo() && matches(name, subtree.getBase(), true)) {
                    return describe(name) + " is in an excluded subtree";
                }
            }
        }
        return null;
    }

    private static GeneralSubtree[] orEmpty(GeneralSubtree[] subtrees) {
        return subtrees == null ? new GeneralSubtree[0] : subtrees;
    }

    /**
     * @param excluded true when matching an excluded subtree: a name of a type this verifier
     *        cannot compare then counts as matching (fail closed), as does a wildcard DNS name
     *        that overlaps the subtree
     */
    private static boolean matches(GeneralName name, GeneralName base, boolean excluded) {
        switch (name.getTagNo()) {
            case GeneralName.dNSName: {
                String dns = ia5(name).toLowerCase(Locale.ROOT);
                String constraint = ia5(base).toLowerCase(Locale.ROOT);
                if (excluded && dns.startsWith("*.")) {
                    String wildcardBase = dns.substring(2);
                    return dnsWithin(wildcardBase, constraint) || dnsWithin(strip(constraint), wildcardBase);
                }
                return dnsWithin(dns, constraint);
            }
            case GeneralName.rfc822Name:
                // An unprintable address (possible in a subject emailAddress) cannot be compared: fail closed.
                return ia5(name) == null ? excluded : mailWithin(ia5(name), ia5(base));
            case GeneralName.uniformResourceIdentifier: {
                String host;
                try {
                    host = new URI(ia5(name)).getHost();
                } catch (URISyntaxException e) {
                    host = null;
                }
                // A URI without a host (urn:…) can be in no host subtree.
                return host != null && hostWithin(host.toLowerCase(Locale.ROOT), ia5(base).toLowerCase(Locale.ROOT));
            }
            case GeneralName.iPAddress: {
                byte[] address = ASN1OctetString.getInstance(name.getName()).getOctets();
                byte[] constraint = ASN1OctetString.getInstance(base.getName()).getOctets();
                if (constraint.length != 2 * address.length) {
                    return false;
                }
                for (int i = 0; i < address.length; i++) {
                    byte mask = constraint[address.length + i];
                    if ((address[i] & mask) != (constraint[i] & mask)) {
                        return false;
                    }
                }
                return true;
            }
            case GeneralName.directoryName:
                return dnWithin(X500Name.getInstance(name.getName()), X500Name.getInstance(base.getName()));
            default:
                return excluded;
        }
    }

    private static String strip(String constraint) {
        return constraint.startsWith(".") ? constraint.substring(1) : constraint;
    }

    /** DNS: "example.com" holds itself and every subdomain; ".example.com" only subdomains. */
    static boolean dnsWithin(String dns, String constraint) {
        if (constraint.isEmpty()) {
            return true;
        }
        if (constraint.startsWith(".")) {
            return dns.endsWith(constraint) && dns.length() > constraint.length();
        }
        return dns.equals(constraint) || dns.endsWith("." + constraint);
    }

    private static boolean hostWithin(String host, String constraint) {
        return constraint.startsWith(".") ? host.endsWith(constraint) && host.length() > constraint.length()
                : host.equals(constraint);
    }

    private static boolean mailWithin(String mail, String constraint) {
        int at = mail.lastIndexOf('@');
        String domain = mail.substring(at + 1).toLowerCase(Locale.ROOT);
        int constraintAt = constraint.lastIndexOf('@');
        if (constraintAt >= 0) {
            return mail.substring(0, at).equals(constraint.substring(0, constraintAt))
                    && domain.equalsIgnoreCase(constraint.substring(constraintAt + 1));
        }
        String lower = constraint.toLowerCase(Locale.ROOT);
        return lower.startsWith(".") ? domain.endsWith(lower) && domain.length() > lower.length() : domain.equals(lower);
    }

    private static boolean dnWithin(X500Name name, X500Name base) {
        RDN[] rdns = name.getRDNs();
        RDN[] prefix = base.getRDNs();
        if (prefix.length > rdns.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (!IETFUtils.rDNAreEqual(rdns[i], prefix[i])) {
                return false;
            }
        }
        return true;
    }

    private static String describe(GeneralName name) {
        switch (name.getTagNo()) {
            case GeneralName.dNSName: return "DNS name " + Text.safe(ia5(name));
            case GeneralName.rfc822Name: return "e-mail address " + Text.safe(ia5(name));
            case GeneralName.uniformResourceIdentifier: return "URI " + Text.safe(ia5(name));
            case GeneralName.directoryName: return "directory name " + Text.safe(X500Name.getInstance(name.getName()).toString());
            case GeneralName.iPAddress: return "IP address " + Text.hex(ASN1OctetString.getInstance(name.getName()).getOctets());
            default: return "name of type " + name.getTagNo();
        }
    }

    /** @return the IA5String text if every character is printable ASCII, else null */
    static String ia5(GeneralName name) {
        String text = ((ASN1String) name.getName()).getString();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return null;
            }
        }
        return text;
    }

    /** LDH labels of 1–63 characters, 253 in all; optionally a leading "*." or ".". */
    static boolean isDns(String dns, boolean wildcard, boolean leadingDot) {
        String rest = dns;
        if (wildcard && rest.startsWith("*.")) {
            rest = rest.substring(2);
        } else if (leadingDot && rest.startsWith(".")) {
            rest = rest.substring(1);
        }
        if (rest.isEmpty() || rest.length() > 253) {
            return false;
        }
        for (String label : rest.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isLocalPart(String local) {
        return !local.isEmpty() && local.length() <= 64 && local.indexOf('@') < 0 && !local.contains("..");
    }

    private static boolean contiguousMask(byte[] octets, int from) {
        boolean zeroSeen = false;
        for (int i = from; i < octets.length; i++) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = (octets[i] >> bit & 1) != 0;
                if (one && zeroSeen) {
                    return false;
                }
                zeroSeen |= !one;
            }
        }
        return true;
    }
}
