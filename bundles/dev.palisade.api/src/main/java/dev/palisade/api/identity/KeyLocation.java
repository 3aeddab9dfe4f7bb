package dev.palisade.api.identity;

import java.util.Objects;

/**
 * Where a key lives, as a field engineer needs to find it with the token's own tools
 * ({@code pkcs11-tool}, {@code softhsm2-util}, {@code tpm2_ptool}).
 *
 * @param backend the kind of keystore; never {@code null}
 * @param module for {@link Backend#PKCS11}, the PKCS#11 library the token is reached through
 *        (the configured module path; Java 17's SunPKCS11 does not expose {@code C_GetInfo});
 *        for {@link Backend#PKCS12} {@code null}
 * @param store for {@link Backend#PKCS11} the token as configured, e.g. {@code "slot index 0"}
 *        (SunPKCS11 cannot report the token label); for {@link Backend#PKCS12} the keystore
 *        file's name; never {@code null} or blank
 * @param slot for {@link Backend#PKCS11} the configured index in the module's list of slots
 *        with a token ({@code slotListIndex}); not the PKCS#11 slot id, which SoftHSM2 and
 *        tpm2-pkcs11 change when a token is initialised. {@code null} for {@link Backend#PKCS12}
 * @param alias the key's alias (PKCS#11: the certificate label, paired with the key by
 *        {@code CKA_ID}); never {@code null} or blank
 */
public record KeyLocation(Backend backend, String module, String store, Long slot, String alias) {

    /** The kinds of keystore. */
    public enum Backend {
        /** A PKCS#11 token: a TPM 2.0 through tpm2-pkcs11, an HSM, or SoftHSM2. */
        PKCS11,
        /** A PKCS#12 file. For development only: the key is not hardware-protected. */
        PKCS12
    }

    /** Validates the fields. */
    public KeyLocation {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(alias, "alias");
        if (store.isBlank() || alias.isBlank()) {
            throw new IllegalArgumentException("key location needs a store and an alias, got store '"
                    + store + "' alias '" + alias + "'");
        }
        if (backend == Backend.PKCS12 && (slot != null || module != null)) {
            throw new IllegalArgumentException("a PKCS12 key location has no PKCS#11 module or slot");
        }
    }
}
