package dev.palisade.api.identity;

import java.util.Objects;

/**
 * An identity operation failed for a reason an operator can act on. The message names what
 * was wrong (which token, which alias, which certificate) and never contains a PIN.
 */
public class IdentityException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an identity operation failed. */
    public enum Reason {
        /** The configured token is not present (no token at that slot index, or it went away
         * while in use), or its PKCS#11 library could not be loaded. Transient: the provider
         * tries to open the token again on its own, with a growing interval, and recovers when
         * the token appears, without a restart; any operator command also tries at once. */
        TOKEN_ABSENT,
        /** The configured PIN source is missing, unreadable, or readable by other users. */
        PIN_UNAVAILABLE,
        /** The token refused the PIN. The provider does not try the same PIN again until its
         * source changes, so that it never locks the token by retrying. */
        WRONG_PIN,
        /** The token is locked (too many wrong PINs) and needs its security officer. */
        PIN_LOCKED,
        /** There is no key under the configured alias: run {@code init} first. */
        NO_KEY,
        /** A key already exists under the alias given to {@code init} or {@code rotate}. */
        KEY_EXISTS,
        /** The token cannot generate or use keys of the requested or found type. */
        KEY_TYPE_UNSUPPORTED,
        /** The chain's leaf certificate does not carry the public key of the current key or
         * of the key of a rotation in progress. */
        CHAIN_MISMATCH,
        /** The chain does not form a valid path to the root the operator named (order,
         * signature, validity, CA constraints), or its leaf has no subject CN naming the
         * gateway. The message names the certificate and the rule. */
        CHAIN_INVALID,
        /** Any other failure of the token; the message carries the PKCS#11 return code
         * ({@code CKR_…}) when there is one. */
        TOKEN_ERROR
    }

    private final Reason reason;

    /**
     * @param reason why the operation failed; never {@code null}
     * @param message what was wrong and, where possible, what to do; never {@code null}
     */
    public IdentityException(Reason reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param reason why the operation failed; never {@code null}
     * @param message what was wrong and, where possible, what to do; never {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public IdentityException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** @return why the operation failed; never {@code null} */
    public Reason reason() {
        return reason;
    }
}
