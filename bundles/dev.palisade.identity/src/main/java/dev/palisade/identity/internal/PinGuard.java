package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;

/**
 * Remembers that the token refused the PIN from a source, so that the same PIN is never
 * presented again: every wrong PIN counts towards the token's lock-out (a TPM's dictionary-attack
 * lock, an HSM's PIN counter), and a gateway that retries on a schedule would lock its own token.
 * The PIN is tried again only once its source has changed (see {@link PinSource#version()}).
 * Keeps no PIN and no hash of one. Thread-safe.
 */
final class PinGuard {

    private Object refusedVersion;

    /**
     * @param source the PIN source about to be used
     * @return the source's version to pass to {@link #refused} if the token refuses the PIN
     * @throws IdentityException {@code WRONG_PIN} if the token refused this source's PIN and it has not changed
     */
    synchronized Object admit(PinSource source) throws IdentityException {
        Object version = source.version();
        if (refusedVersion != null && refusedVersion.equals(version)) {
            throw new IdentityException(Reason.WRONG_PIN, "the token refused the PIN from " + source.describe()
                    + " earlier; it is not tried again so that the token does not lock."
                    + " Put the right user PIN there, then run the command again");
        }
        return version;
    }

    /** Records that the token refused the PIN read at {@code version}. */
    synchronized void refused(Object version) {
        refusedVersion = version;
    }

    /** Forgets a refusal once a PIN was accepted. */
    synchronized void accepted() {
        refusedVersion = null;
    }
}
