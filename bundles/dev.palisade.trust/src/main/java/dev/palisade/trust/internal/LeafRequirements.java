package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.util.IPAddress;

/**
 * What {@code palisade verify --name/--key-usage} additionally asks of the leaf of an accepted
 * path, like {@code openssl verify -verify_hostname/-verify_ip/-verify_email}. Names are matched
 * against the subjectAltName only (RFC 6125: never the CN); a DNS wildcard matches exactly one
 * whole leftmost label, and only in a name with at least three labels ({@code *.com} never
 * matches). Every name given must match.
 *
 * @param names names as given, {@code dns:X}, {@code ip:X} or {@code email:X}
 * @param keyUsages key usage names the leaf must have (RFC 5280 names)
 */
record LeafRequirements(List<String> names, List<String> keyUsages) {

    static final LeafRequirements NONE = new LeafRequirements(List.of(), List.of());

    static final Map<String, Integer> KEY_USAGES = Map.of("digitalSignature", KeyUsage.digitalSignature,
            "nonRepudiation", KeyUsage.nonRepudiation, "keyEncipherment", KeyUsage.keyEncipherment,
            "dataEncipherment", KeyUsage.dataEncipherment, "keyAgreement", KeyUsage.keyAgreement,
            "keyCertSign", KeyUsage.keyCertSign, "cRLSign", KeyUsage.cRLSign, "encipherOnly", KeyUsage.encipherOnly,
            "decipherOnly", KeyUsage.decipherOnly);

    /**
     * @throws IllegalArgumentException naming the value that is not a name or a key usage
     */
    LeafRequirements {
        names = List.copyOf(names);
        keyUsages = List.copyOf(keyUsages);
        for (String name : names) {
            parse(name);
        }
        for (String usage : keyUsages) {
            if (!KEY_USAGES.containsKey(usage)) {
                throw new IllegalArgumentException("--key-usage '" + Text.safe(usage) + "' is not one of "
                        + String.join(", ", new java.util.TreeSet<>(KEY_USAGES.keySet())));
            }
        }
    }

    /** @return the SAN entry the name must equal or match, as a GeneralName */
    private static GeneralName parse(String name) {
        int colon = name.indexOf(':');
        String type = colon < 0 ? "" : name.substring(0, colon).toLowerCase(Locale.ROOT);
        String value = colon < 0 ? "" : name.substring(colon + 1);
        switch (type) {
            case "dns":
                if (!Names.isDns(value, false, false)) {
                    throw new IllegalArgumentException("--name '" + Text.safe(name) + "': not a DNS host name");
                }
                return new GeneralName(GeneralName.dNSName, value.toLowerCase(Locale.ROOT));
            case "ip":
                if (!IPAddress.isValidIPv4(value) && !IPAddress.isValidIPv6(value)) {
                    throw new IllegalArgumentException("--name '" + Text.safe(name) + "': not an IPv4 or IPv6 address");
                }
                return new GeneralName(GeneralName.iPAddress, value);
            case "email":
                int at = value.lastIndexOf('@');
                if (at < 1 || !Names.isDns(value.substring(at + 1), false, false)) {
                    throw new IllegalArgumentException("--name '" + Text.safe(name) + "': not an e-mail address");
                }
                return new GeneralName(GeneralName.rfc822Name, value);
            default:
                throw new IllegalArgumentException("--name '" + Text.safe(name) + "' is not dns:NAME, ip:ADDRESS or email:ADDRESS");
        }
    }

    /** @return the first requirement the leaf does not meet, or null */
    Failure check(Cert leaf) {
        for (String usage : keyUsages) {
            if (leaf.keyUsage == null || !leaf.keyUsage.hasUsages(KEY_USAGES.get(usage))) {
                return Failure.of(RejectReason.KEY_USAGE, leaf, "keyUsage lacks " + usage + ", which was required (--key-usage)");
            }
        }
        List<GeneralName> sans = leaf.subjectAltNames == null ? List.of() : Arrays.asList(leaf.subjectAltNames.getNames());
        for (String name : names) {
            GeneralName wanted = parse(name);
            if (sans.stream().noneMatch(san -> matches(san, wanted))) {
                List<String> present = new ArrayList<>();
                sans.stream().filter(san -> san.getTagNo() == wanted.getTagNo()).forEach(san -> present.add(describe(san)));
                return Failure.of(RejectReason.IDENTITY_MISMATCH, leaf, "subjectAltName does not match " + Text.safe(name)
                        + (present.isEmpty() ? " (it has no name of that type)" : " (it has " + Text.safe(String.join(", ", present)) + ")"));
            }
        }
        return null;
    }

    private static boolean matches(GeneralName san, GeneralName wanted) {
        if (san.getTagNo() != wanted.getTagNo()
                || (san.getTagNo() != GeneralName.iPAddress && Names.ia5(san) == null)) {
            return false;
        }
        switch (san.getTagNo()) {
            case GeneralName.iPAddress:
                return Arrays.equals(ASN1OctetString.getInstance(san.getName()).getOctets(),
                        ASN1OctetString.getInstance(wanted.getName()).getOctets());
            case GeneralName.rfc822Name: {
                String have = Names.ia5(san);
                String want = Names.ia5(wanted);
                int a = have.lastIndexOf('@');
                int b = want.lastIndexOf('@');
                // The local part is case-sensitive (RFC 5321), the domain is not.
                return a > 0 && b > 0 && have.substring(0, a).equals(want.substring(0, b))
                        && have.substring(a + 1).equalsIgnoreCase(want.substring(b + 1));
            }
            default:
                return dnsMatches(Names.ia5(san).toLowerCase(Locale.ROOT), Names.ia5(wanted));
        }
    }

    /** Exact, or {@code *.rest} matching one leftmost label, with {@code rest} of two labels or more. */
    static boolean dnsMatches(String pattern, String host) {
        if (!pattern.startsWith("*.")) {
            return pattern.equals(host);
        }
        String rest = pattern.substring(2);
        int dot = host.indexOf('.');
        return rest.indexOf('.') > 0 && !rest.contains("*") && dot > 0 && host.substring(dot + 1).equals(rest);
    }

    private static String describe(GeneralName san) {
        if (san.getTagNo() == GeneralName.iPAddress) {
            byte[] octets = ASN1OctetString.getInstance(san.getName()).getOctets();
            try {
                return "ip:" + java.net.InetAddress.getByAddress(octets).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                return "ip:(" + octets.length + " octets)";
            }
        }
        String text = Names.ia5(san);
        return (san.getTagNo() == GeneralName.dNSName ? "dns:" : "email:") + (text == null ? "(not printable)" : text);
    }
}
