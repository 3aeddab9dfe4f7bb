package dev.palisade.hub.enroll;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.palisade.protocol.enroll.Reason;

/**
 * What the hub requires of a child's own (leaf) certificate, whatever vouches for it — a verified
 * CA or a registration by thumbprint (docs/protocol.md §4.1 step 2, docs/hub.md "Leaf policy"):
 *
 * <ul>
 * <li>valid now: {@code notBefore ≤ now ≤ notAfter} (a registered self-signed certificate is not
 * run through PKIX, so this is its only date check);
 * <li>if it has a keyUsage extension, {@code digitalSignature} is set: every mode ends in a
 * signature by the child's key, or a TLS handshake in which it signed;
 * <li>if it has an extendedKeyUsage extension, it names TLS client authentication, TLS server
 * authentication or anyExtendedKeyUsage: a device authenticates as a TLS client (to the gateway
 * or a broker) or, in {@code attest}, often as a TLS server (a Modbus/TCP Security device is the
 * server of its session); a certificate restricted to another purpose (code signing, e-mail, time
 * stamping, OCSP) is not a device identity;
 * <li>its key is ECDSA on P-256 or P-384, or RSA of at least 2048 bits: the keys every gateway's
 * token and the protocol's signature algorithms handle (§6.4). P-521, Ed25519, RSA below 2048
 * and anything else are refused.
 * </ul>
 *
 * Refusals are {@link Reason#CHAIN_INVALID} (the code whose meaning already covers the validity
 * period and key usage, §8) with a detail that starts {@code "leaf policy: "} and names the rule.
 * Cheap: a few field reads of an already parsed certificate, no signature.
 */
final class LeafPolicy {
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String ANY_USAGE = "2.5.29.37.0";
    static final int MIN_RSA_BITS = 2048;
    /** The group orders of NIST P-256 and P-384 (FIPS 186-4 D.1.2.3, D.1.2.4): they identify the curve. */
    private static final BigInteger P256_ORDER = new BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final BigInteger P384_ORDER = new BigInteger(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16);

    private LeafPolicy() {
    }

    /** @return why {@code leaf} is refused for child {@code child} at {@code now}, or empty */
    static Optional<Refusal> check(String child, X509Certificate leaf, Instant now) {
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return refuse(child, "its certificate is not valid before " + leaf.getNotBefore().toInstant() + " (now " + now + ")");
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            return refuse(child, "its certificate expired at " + leaf.getNotAfter().toInstant() + " (now " + now + ")");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null && (usage.length == 0 || !usage[0])) {
            return refuse(child, "its certificate's keyUsage lacks digitalSignature");
        }
        List<String> purposes;
        try {
            purposes = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return refuse(child, "its certificate's extendedKeyUsage does not parse: " + e.getMessage());
        }
        if (purposes != null && !purposes.contains(CLIENT_AUTH) && !purposes.contains(SERVER_AUTH)
                && !purposes.contains(ANY_USAGE)) {
            return refuse(child, "its certificate's extendedKeyUsage " + purposes + " allows neither TLS client ("
                    + CLIENT_AUTH + ") nor TLS server (" + SERVER_AUTH + ") authentication");
        }
        String key = unsupportedKey(leaf.getPublicKey());
        return key == null ? Optional.empty() : refuse(child, "its key is " + key
                + "; accepted: ECDSA P-256 or P-384, RSA of " + MIN_RSA_BITS + " bits or more");
    }

    /** @return a description of the key if it is not accepted, else null */
    static String unsupportedKey(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            ECParameterSpec params = ec.getParams();
            BigInteger order = params.getOrder();
            if (params.getCofactor() == 1 && (order.equals(P256_ORDER) || order.equals(P384_ORDER))) {
                return null;
            }
            return "an EC key on a " + params.getCurve().getField().getFieldSize() + "-bit curve that is neither P-256 nor P-384";
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits >= MIN_RSA_BITS ? null : "an RSA key of " + bits + " bits";
        }
        return "a " + key.getAlgorithm() + " key";
    }

    private static Optional<Refusal> refuse(String child, String why) {
        return Optional.of(new Refusal(Reason.CHAIN_INVALID, "leaf policy: '" + child + "': " + why));
    }
}
