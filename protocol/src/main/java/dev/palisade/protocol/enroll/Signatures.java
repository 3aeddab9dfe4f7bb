package dev.palisade.protocol.enroll;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Optional;

/**
 * The signature algorithms the protocol accepts and their checks ({@code docs/protocol.md} §6.4).
 * The algorithm is fixed by the key, never chosen by the message: a message's {@code alg} must
 * equal the key's algorithm, so a verifier cannot be talked into a weaker one.
 */
public final class Signatures {

    /** ECDSA with SHA-256 on P-256, DER-encoded (r, s). */
    public static final String ES256 = "SHA256withECDSA";
    /** ECDSA with SHA-384 on P-384, DER-encoded (r, s). */
    public static final String ES384 = "SHA384withECDSA";
    /** RSASSA-PKCS1-v1_5 with SHA-256, modulus ≥ 2048 bits. */
    public static final String RS256 = "SHA256withRSA";

    private static final BigInteger P256_ORDER = order("secp256r1");
    private static final BigInteger P384_ORDER = order("secp384r1");

    private Signatures() {
    }

    /**
     * @param key a public key
     * @return the one algorithm the protocol uses with it, or empty if the key is not allowed
     *         (another curve, RSA under 2048 bits, another key type)
     */
    public static Optional<String> algorithmFor(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            BigInteger order = ec.getParams().getOrder();
            if (order.equals(P256_ORDER)) {
                return Optional.of(ES256);
            }
            if (order.equals(P384_ORDER)) {
                return Optional.of(ES384);
            }
            return Optional.empty();
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048) {
            return Optional.of(RS256);
        }
        return Optional.empty();
    }

    /**
     * Verifies a signature made with the protocol's algorithm for {@code key}.
     *
     * @param key the signer's public key
     * @param algorithm the algorithm the message names; must be the key's algorithm
     * @param data the signed bytes
     * @param signature the signature
     * @return true only if the algorithm is the key's and the signature verifies; false for a
     *         signature that is not even well-formed
     */
    public static boolean verify(PublicKey key, String algorithm, byte[] data, byte[] signature) {
        return verify(key, algorithm, data, signature, null);
    }

    /**
     * As {@link #verify(PublicKey, String, byte[], byte[])}, with the signature implementation of
     * {@code provider}. This module depends on the JDK only (the gateway bundle uses it too); a
     * caller with a faster provider at hand (the hub verifies one P-256 signature per child with
     * Bouncy Castle's, about 5× SunEC's on JDK 17: docs/benchmarks.md) passes an instance of it,
     * which need not be registered with {@link java.security.Security}.
     *
     * @param provider the provider of the algorithm, or null for the platform's preferred one
     */
    public static boolean verify(PublicKey key, String algorithm, byte[] data, byte[] signature, Provider provider) {
        Optional<String> expected = algorithmFor(key);
        if (expected.isEmpty() || !expected.get().equals(algorithm)) {
            return false;
        }
        try {
            Signature verifier = provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (SignatureException | InvalidKeyException e) {
            return false; // malformed DER or an unusable key: not a valid signature
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java platform lacks " + algorithm, e);
        }
    }

    private static BigInteger order(String curve) {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(curve));
            return p.getParameterSpec(ECParameterSpec.class).getOrder();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java platform lacks curve " + curve, e);
        }
    }
}
