package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.security.Provider;

/**
 * Reads the label of the token a SunPKCS11 provider was configured for.
 *
 * <p>Why reflection: SunPKCS11 selects a token only by {@code slot} (the module's slot id) or
 * {@code slotListIndex}, and offers no public way to read a token's label (JDK 17). SoftHSM2
 * moves a token to a random slot id when it is initialised and a TPM's token gets its index from
 * tpm2-pkcs11's store, so an operator knows the label, not the index. The label lives in the
 * provider's {@code sun.security.pkcs11.Token.tokenInfo} ({@code CK_TOKEN_INFO.label}), which the
 * JDK lets a program read only when its module opens the two packages:
 * {@code --add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED} and
 * {@code --add-opens jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}
 * ({@code conf/jvm.options} of the distribution has them). Without them, selecting by label
 * fails with an error that says so, never silently with another token.
 *
 * <p>Alternatives considered: running {@code pkcs11-tool -L} (a second PKCS#11 client of the
 * token, an extra package, and its output is not a stable interface) and JNI (a native library
 * to build per platform). Both cost more than two JVM options.
 */
final class TokenLabels {

    /** The JVM options that make labels readable, for error messages and documentation. */
    static final String OPENS = "--add-opens=jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED"
            + " --add-opens=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED";

    private TokenLabels() {
    }

    /**
     * @param provider a configured SunPKCS11 provider
     * @return its token's label without PKCS#11's blank padding, or {@code null} if its slot holds no token
     * @throws IdentityException {@code TOKEN_ERROR} if the JVM does not let this bundle read it
     */
    static String label(Provider provider) throws IdentityException {
        try {
            Method getToken = provider.getClass().getDeclaredMethod("getToken");
            getToken.setAccessible(true);
            Object token = getToken.invoke(provider);
            if (token == null) {
                return null;
            }
            Field tokenInfo = token.getClass().getDeclaredField("tokenInfo");
            tokenInfo.setAccessible(true);
            Object info = tokenInfo.get(token);
            Field label = info.getClass().getField("label");
            label.setAccessible(true);
            return new String((char[]) label.get(info)).strip();
        } catch (ReflectiveOperationException | RuntimeException e) {
            // InaccessibleObjectException (a RuntimeException) when the packages are not opened.
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot read token labels from SunPKCS11 to find slot.label:"
                    + " start the gateway's JVM with " + OPENS + " (conf/jvm.options has them), or configure"
                    + " slot.index instead (" + e + ")", e);
        }
    }
}
