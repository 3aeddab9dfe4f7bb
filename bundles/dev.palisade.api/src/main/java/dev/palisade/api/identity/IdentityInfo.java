package dev.palisade.api.identity;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * What {@code palisade:identity show} prints about one key and its leaf certificate. Contains
 * no secret and is safe to log; immutable.
 *
 * <p>Before a chain is installed, a key carries a self-signed placeholder certificate (a PKCS#11
 * keystore only lists keys that have a certificate); the certificate fields then describe that
 * placeholder and {@link #chainInstalled()} is {@code false}.
 *
 * @param subject the leaf certificate's subject; never {@code null}
 * @param issuer the leaf certificate's issuer; never {@code null}
 * @param serialNumber the leaf certificate's serial number; never {@code null}
 * @param notBefore start of the leaf's validity; never {@code null}
 * @param notAfter end of the leaf's validity; never {@code null}. Days left are counted from it.
 * @param keyType the key's type; never {@code null}
 * @param sha256Fingerprint SHA-256 of the leaf certificate's DER encoding, 64 lower-case hex
 *        digits without separators
 * @param location where the key lives; never {@code null}
 * @param extractable {@code true} if the token would let the private key out
 *        ({@code CKA_EXTRACTABLE} true or {@code CKA_SENSITIVE} false, or any PKCS#12 key) — an
 *        operator should treat that as a provisioning error on a production gateway
 * @param chainInstalled {@code true} once an issued chain has been installed for this key
 */
public record IdentityInfo(X500Principal subject, X500Principal issuer, BigInteger serialNumber,
        Instant notBefore, Instant notAfter, KeyType keyType, String sha256Fingerprint,
        KeyLocation location, boolean extractable, boolean chainInstalled) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** Validates the fields. */
    public IdentityInfo {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(serialNumber, "serialNumber");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(sha256Fingerprint, "sha256Fingerprint");
        Objects.requireNonNull(location, "location");
        if (!SHA256_HEX.matcher(sha256Fingerprint).matches()) {
            throw new IllegalArgumentException(
                    "fingerprint must be 64 lower-case hex digits, got '" + sha256Fingerprint + "'");
        }
        if (notAfter.isBefore(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is before notBefore " + notBefore);
        }
    }
}
