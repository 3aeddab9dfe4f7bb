package dev.palisade.api.identity;

/**
 * The kinds of key the gateway can generate and use, each with the signature algorithm it is
 * used with. {@link #EC_P256} is the default: every token measured supports it and it is the
 * fastest to sign with.
 */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1), signing with SHA256withECDSA. The default. */
    EC_P256("EC", 256, "secp256r1", "SHA256withECDSA"),
    /** ECDSA on NIST P-384 (secp384r1), signing with SHA384withECDSA. */
    EC_P384("EC", 384, "secp384r1", "SHA384withECDSA"),
    /** RSA with a 2048-bit modulus, signing with SHA256withRSA (PKCS#1 v1.5). */
    RSA_2048("RSA", 2048, null, "SHA256withRSA"),
    /** RSA with a 3072-bit modulus, signing with SHA256withRSA (PKCS#1 v1.5). */
    RSA_3072("RSA", 3072, null, "SHA256withRSA");

    /** The key type used when the operator names none. */
    public static final KeyType DEFAULT = EC_P256;

    private final String keyAlgorithm;
    private final int bits;
    private final String curve;
    private final String signatureAlgorithm;

    KeyType(String keyAlgorithm, int bits, String curve, String signatureAlgorithm) {
        this.keyAlgorithm = keyAlgorithm;
        this.bits = bits;
        this.curve = curve;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** @return the JCA key algorithm name, {@code "EC"} or {@code "RSA"} */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** @return the key size in bits (curve size for EC, modulus size for RSA) */
    public int bits() {
        return bits;
    }

    /** @return the JCA standard curve name for EC keys, {@code null} for RSA keys */
    public String curve() {
        return curve;
    }

    /** @return the JCA name of the signature algorithm used with keys of this type */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }
}
