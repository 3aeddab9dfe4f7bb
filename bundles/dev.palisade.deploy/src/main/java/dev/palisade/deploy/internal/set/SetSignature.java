package dev.palisade.deploy.internal.set;

import dev.palisade.api.deploy.DeployRefusal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The {@value UpdateSetFormat#SIGNATURE} entry:
 *
 * <pre>
 * palisade-set-signature: 1
 * algorithm: SHA256withECDSA
 * value: MEUCIQ…(base64, standard alphabet, padded)
 * </pre>
 *
 * The algorithm is {@code SHA256withECDSA} for an EC publisher key, {@code SHA256withRSA} for RSA
 * (PKCS#1 v1.5); the value is the JCA signature over the manifest entry's bytes (DER for ECDSA).
 *
 * @param algorithm the JCA signature algorithm
 * @param value the signature bytes
 */
public record SetSignature(String algorithm, byte[] value) {
    private static final String HEADER = "palisade-set-signature: 1";
    private static final List<String> ALGORITHMS = List.of("SHA256withECDSA", "SHA256withRSA");

    /** Validates the algorithm. */
    public SetSignature {
        Objects.requireNonNull(algorithm, "algorithm");
        value = value.clone();
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("signature algorithm " + algorithm + " is not one of " + ALGORITHMS);
        }
    }

    /** @return the entry's bytes */
    public byte[] encoded() {
        return (HEADER + "\nalgorithm: " + algorithm + "\nvalue: " + Base64.getEncoder().encodeToString(value) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param bytes the entry's bytes
     * @return the signature
     * @throws SetRefusedException {@link DeployRefusal#MALFORMED} naming what is wrong
     */
    public static SetSignature parse(byte[] bytes) throws SetRefusedException {
        String[] lines = new String(bytes, StandardCharsets.US_ASCII).split("\n", -1);
        if (lines.length != 4 || !lines[0].equals(HEADER) || !lines[1].startsWith("algorithm: ")
                || !lines[2].startsWith("value: ") || !lines[3].isEmpty()) {
            throw malformed("expected the three lines '" + HEADER + "', 'algorithm: …', 'value: …'");
        }
        try {
            return new SetSignature(lines[1].substring("algorithm: ".length()),
                    Base64.getDecoder().decode(lines[2].substring("value: ".length())));
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    private static SetRefusedException malformed(String why) {
        return new SetRefusedException(DeployRefusal.MALFORMED, "signature " + UpdateSetFormat.SIGNATURE + ": " + why);
    }
}
