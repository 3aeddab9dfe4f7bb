package dev.palisade.trust.internal;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The operator's deny-list: certificates refused whatever their chain, by SHA-256 fingerprint of
 * the DER encoding or by issuer DN and serial number. Immutable; a change is a new instance.
 */
final class DenyList {

    static final DenyList EMPTY = new DenyList(Set.of(), Set.of());

    private record IssuerSerial(X500Name issuer, BigInteger serial) {
    }

    private final Set<String> fingerprints;
    private final Set<IssuerSerial> issuerSerials;

    private DenyList(Set<String> fingerprints, Set<IssuerSerial> issuerSerials) {
        this.fingerprints = Set.copyOf(fingerprints);
        this.issuerSerials = Set.copyOf(issuerSerials);
    }

    /**
     * @param fingerprints SHA-256 fingerprints in hex, colons and spaces allowed
     * @param issuerSerials entries {@code <serial in hex>/<issuer DN>}, e.g.
     *        {@code 0a1b/CN=Plant A Issuing CA,O=Acme}
     * @return the deny-list
     * @throws IllegalArgumentException naming the entry that cannot be read
     */
    static DenyList parse(String[] fingerprints, String[] issuerSerials) {
        Set<String> prints = new HashSet<>();
        for (String entry : fingerprints) {
            String hex = entry.replace(":", "").replace(" ", "").toLowerCase(Locale.ROOT);
            if (hex.isEmpty()) {
                continue;
            }
            if (!hex.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("deny-list fingerprint '" + Text.safe(entry)
                        + "' is not a SHA-256 fingerprint (64 hex digits, colons allowed)");
            }
            prints.add(hex);
        }
        Set<IssuerSerial> pairs = new HashSet<>();
        for (String entry : issuerSerials) {
            if (entry.isBlank()) {
                continue;
            }
            int slash = entry.indexOf('/');
            try {
                String serial = entry.substring(0, Math.max(slash, 0)).strip().replace(":", "");
                if (serial.startsWith("0x")) {
                    serial = serial.substring(2);
                }
                pairs.add(new IssuerSerial(new X500Name(BCStyle.INSTANCE, entry.substring(slash + 1).strip()),
                        new BigInteger(serial, 16)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("deny-list entry '" + Text.safe(entry)
                        + "' is not '<serial in hex>/<issuer DN>', e.g. '0a1b/CN=Plant A Issuing CA,O=Acme'");
            }
        }
        return new DenyList(prints, pairs);
    }

    /** Issuer-and-serial entries are separated by ';' (a DN holds commas). */
    static String[] splitEntries(String[] configured) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (configured != null) {
            for (String value : configured) {
                for (String part : value.split(";")) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        return out.toArray(new String[0]);
    }

    int size() {
        return fingerprints.size() + issuerSerials.size();
    }

    /** @return why the certificate is denied, or null */
    String match(Cert c) {
        return match(c.fingerprint, c.issuer, c.serial);
    }

    String match(String fingerprint, X500Name issuer, BigInteger serial) {
        if (fingerprints.contains(fingerprint)) {
            return "on the operator's deny-list (SHA-256 fingerprint " + fingerprint + ")";
        }
        if (issuerSerials.contains(new IssuerSerial(issuer, serial))) {
            return "on the operator's deny-list (issuer and serial " + serial.toString(16) + ")";
        }
        return null;
    }
}
