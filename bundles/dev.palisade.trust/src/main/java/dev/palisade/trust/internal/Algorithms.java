package dev.palisade.trust.internal;

import java.util.Map;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The signature algorithms and key types the verifier knows, by OID. Names are the JCA names
 * (signature algorithms) and short lower-case names (keys) that domain configurations use.
 */
final class Algorithms {

    private static final Map<String, String> SIGNATURES = Map.ofEntries(
            Map.entry("1.2.840.10045.4.1", "SHA1withECDSA"),
            Map.entry("1.2.840.10045.4.3.2", "SHA256withECDSA"),
            Map.entry("1.2.840.10045.4.3.3", "SHA384withECDSA"),
            Map.entry("1.2.840.10045.4.3.4", "SHA512withECDSA"),
            Map.entry("1.2.840.113549.1.1.4", "MD5withRSA"),
            Map.entry("1.2.840.113549.1.1.5", "SHA1withRSA"),
            Map.entry("1.2.840.113549.1.1.11", "SHA256withRSA"),
            Map.entry("1.2.840.113549.1.1.12", "SHA384withRSA"),
            Map.entry("1.2.840.113549.1.1.13", "SHA512withRSA"),
            Map.entry("1.3.101.112", "Ed25519"));

    private static final Map<String, String> CURVES = Map.of(
            "1.2.840.10045.3.1.1", "ec-p192",
            "1.3.132.0.33", "ec-p224",
            "1.2.840.10045.3.1.7", "ec-p256",
            "1.3.132.0.34", "ec-p384",
            "1.3.132.0.35", "ec-p521");

    private static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    private static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    private static final String ED25519 = "1.3.101.112";

    private Algorithms() {
    }

    /** A public key as the key policy sees it: a type name and, for RSA, the modulus size. */
    record KeyInfo(String type, int bits) {
        @Override
        public String toString() {
            return type.equals("rsa") ? "rsa-" + bits : type;
        }
    }

    /**
     * @param algorithm a certificate's or CRL's signature algorithm
     * @return the JCA name, or null if the verifier does not know it (or its parameters are
     *         not the ones the standard prescribes)
     */
    static String signatureName(AlgorithmIdentifier algorithm) {
        String name = SIGNATURES.get(algorithm.getAlgorithm().getId());
        if (name == null) {
            return null;
        }
        ASN1Primitive parameters = algorithm.getParameters() == null ? null
                : algorithm.getParameters().toASN1Primitive();
        if (name.endsWith("RSA")) {
            // RFC 4055: NULL; tolerated absent, as some encoders omit it.
            return parameters == null || parameters instanceof ASN1Null ? name : null;
        }
        // ECDSA (RFC 5758) and Ed25519 (RFC 8410): parameters absent.
        return parameters == null ? name : null;
    }

    /**
     * @param spki a subject public key info
     * @return the key's type and size
     */
    static KeyInfo keyInfo(SubjectPublicKeyInfo spki) {
        AlgorithmIdentifier algorithm = spki.getAlgorithm();
        String oid = algorithm.getAlgorithm().getId();
        switch (oid) {
            case EC_PUBLIC_KEY: {
                ASN1Primitive parameters = algorithm.getParameters() == null ? null
                        : algorithm.getParameters().toASN1Primitive();
                if (parameters instanceof ASN1ObjectIdentifier) {
                    String curve = ((ASN1ObjectIdentifier) parameters).getId();
                    return new KeyInfo(CURVES.getOrDefault(curve, "ec-curve-" + curve), 0);
                }
                // Explicit parameters are how invalid-curve attacks get in; implicitlyCA has no curve at all.
                return new KeyInfo(parameters instanceof ASN1Null ? "ec-implicit-ca" : "ec-explicit-parameters", 0);
            }
            case RSA_ENCRYPTION:
                try {
                    RSAPublicKey key = RSAPublicKey.getInstance(Der.parse(spki.getPublicKeyData().getOctets()));
                    return new KeyInfo("rsa", key.getModulus().bitLength());
                } catch (MalformedException | RuntimeException e) {
                    return new KeyInfo("rsa-undecodable", 0);
                }
            case ED25519:
                return new KeyInfo("ed25519", 0);
            default:
                return new KeyInfo("unknown-" + oid, 0);
        }
    }

    /** @return the JCA key factory algorithm for a key that passed the key policy */
    static String keyFactoryName(SubjectPublicKeyInfo spki) {
        String oid = spki.getAlgorithm().getAlgorithm().getId();
        switch (oid) {
            case EC_PUBLIC_KEY:
                return "EC";
            case RSA_ENCRYPTION:
                return "RSA";
            case ED25519:
                return "Ed25519";
            default:
                throw new IllegalArgumentException("no key factory for " + oid);
        }
    }
}
