package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import java.security.UnrecoverableKeyException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.login.FailedLoginException;

/**
 * Turns what SunPKCS11 and the JDK keystores throw into {@link IdentityException}s an operator
 * can act on. SunPKCS11 reports PKCS#11 return codes only as the message of its internal
 * {@code PKCS11Exception} ({@code CKR_PIN_INCORRECT}); the code is read from the cause chain's
 * messages rather than from the internal class, which this bundle cannot and must not import.
 */
final class TokenErrors {

    private static final Pattern CKR = Pattern.compile("CKR_[A-Z_]+");

    /**
     * Return codes that mean the token, or the objects this session knew on it, went away: a
     * removed token or device, and handles that died with it. SoftHSM2 answers
     * {@code CKR_OBJECT_HANDLE_INVALID} when the key's file disappears under a running process
     * (measured by TokenRemovedTest), and keeps answering it for the old handle after the file is
     * back, so the only way forward is to open the token afresh, which {@code TOKEN_ABSENT} does.
     */
    static final Set<String> GONE = Set.of("CKR_TOKEN_NOT_PRESENT", "CKR_DEVICE_REMOVED", "CKR_SLOT_ID_INVALID",
            "CKR_TOKEN_NOT_RECOGNIZED", "CKR_DEVICE_ERROR", "CKR_OBJECT_HANDLE_INVALID", "CKR_KEY_HANDLE_INVALID",
            "CKR_SESSION_HANDLE_INVALID", "CKR_SESSION_CLOSED");

    private TokenErrors() {
    }

    /** @return the first PKCS#11 return code named in {@code failure}'s cause chain, or {@code null} */
    static String returnCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                Matcher matcher = CKR.matcher(t.getMessage());
                if (matcher.find()) {
                    return matcher.group();
                }
            }
        }
        return null;
    }

    /** @return {@code true} if the token or keystore refused the PIN or password */
    static boolean wrongPin(Throwable failure) {
        String code = returnCode(failure);
        if ("CKR_PIN_INCORRECT".equals(code)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof FailedLoginException || t instanceof UnrecoverableKeyException) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param what what was being done, e.g. "logging in to the PKCS#11 token at slot index 0 of …"
     * @param failure what the JDK threw
     * @return the operator-facing exception
     */
    static IdentityException map(String what, Throwable failure) {
        if (failure instanceof IdentityException) {
            return (IdentityException) failure;
        }
        String code = returnCode(failure);
        if ("CKR_PIN_LOCKED".equals(code)) {
            return new IdentityException(Reason.PIN_LOCKED, what + " failed: the token's user PIN is locked"
                    + " (CKR_PIN_LOCKED); its security officer must unlock it", failure);
        }
        if (code != null && GONE.contains(code)) {
            return new IdentityException(Reason.TOKEN_ABSENT, what + " failed: the token or the key on it is gone ("
                    + code + "); the token was removed, or its storage or daemon is unavailable", failure);
        }
        String detail = code != null ? code : rootMessage(failure);
        return new IdentityException(Reason.TOKEN_ERROR, what + " failed: " + detail, failure);
    }

    /** @return the innermost message, or the innermost exception's class name */
    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
