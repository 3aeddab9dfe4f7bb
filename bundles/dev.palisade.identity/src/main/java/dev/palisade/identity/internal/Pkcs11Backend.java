package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.security.auth.login.LoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's key on a PKCS#11 token, through the JDK's SunPKCS11 provider.
 *
 * <p>This object owns one SunPKCS11 provider instance for its whole life: it is configured at
 * most once (a provider configured twice under the same name is silently ignored by
 * {@link Security#addProvider} and its keys then fail in the first one's {@code Signature}), under
 * a name no registered provider uses, and removed again by {@link #close()}. It is added to the
 * JCA provider list because the JDK's and Bouncy Castle's JSSE find the signer for a token key
 * through JCA's delayed provider selection.
 *
 * <p>The generated SunPKCS11 configuration asks the token for keys that are sensitive and never
 * extractable; without it SunPKCS11 generates keys a program could read out
 * (shared/research/pkcs11-tls.md §1).
 */
final class Pkcs11Backend implements KeyStoreBackend {

    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Backend.class);

    /**
     * Every key this backend generates: on the token, private, sensitive, only for signing. The
     * public half stays a session object by default (the certificate carries the public key, and
     * a token object would be left behind when the key is destroyed); tpm2-pkcs11 refuses to
     * generate a pair whose halves differ in CKA_TOKEN ("Expected attr 0x1 to be 0, got 1",
     * CKR_ATTRIBUTE_VALUE_INVALID), so {@code public.key.on.token} stores it on the token too.
     */
    static final String KEY_ATTRIBUTES = String.join("\n",
            "attributes(generate, CKO_PRIVATE_KEY, *) = {",
            "  CKA_TOKEN = true",
            "  CKA_PRIVATE = true",
            "  CKA_SENSITIVE = true",
            "  CKA_EXTRACTABLE = false",
            "  CKA_SIGN = true",
            "  CKA_DECRYPT = false",
            "  CKA_UNWRAP = false",
            "}",
            "attributes(generate, CKO_PUBLIC_KEY, *) = {",
            "  CKA_TOKEN = %s",
            "}");

    /** How many slots a label lookup looks through at most: no module has more tokens than this. */
    private static final int MAX_SLOTS = 64;

    private final Path library;
    private final boolean publicKeyOnToken;
    private final int configuredIndex;
    private final String label;
    /** The slot index in use: the configured one, or where the label was last found. */
    private volatile int slotIndex;
    private final PinSource pin;
    private final Path workDirectory;
    private final PinGuard guard = new PinGuard();
    private volatile Provider provider;
    private KeyStore keyStore;

    /**
     * @param library the PKCS#11 module, an absolute path
     * @param slotIndex the index in the module's list of slots with a token
     * @param label the token's label, looked up among the slots at every opening; blank to use {@code slotIndex}
     * @param publicKeyOnToken whether generated public keys are token objects (tpm2-pkcs11 needs it)
     * @param pin where the user PIN comes from
     * @param workDirectory where the SunPKCS11 configuration file is written (created)
     */
    Pkcs11Backend(Path library, int slotIndex, String label, boolean publicKeyOnToken, PinSource pin, Path workDirectory) {
        if (!library.isAbsolute()) {
            throw new IllegalArgumentException("library must be an absolute path to a PKCS#11 module, got '" + library + "'");
        }
        if (slotIndex < 0) {
            throw new IllegalArgumentException("slot.index must be 0 or more, got " + slotIndex);
        }
        String text = library.toString();
        if (text.contains("\"") || text.contains("$") || text.chars().anyMatch(Character::isISOControl)) {
            // SunPKCS11 expands ${…} and ends values at quotes: such a path would name another file.
            throw new IllegalArgumentException("library path '" + text + "' contains a quote, '$' or control character");
        }
        if (label != null && label.strip().length() > 32) {
            throw new IllegalArgumentException("slot.label '" + label + "' is longer than a PKCS#11 token label (32 characters)");
        }
        this.library = library;
        this.publicKeyOnToken = publicKeyOnToken;
        this.configuredIndex = slotIndex;
        this.slotIndex = slotIndex;
        this.label = label == null || label.isBlank() ? null : label.strip();
        this.pin = pin;
        this.workDirectory = workDirectory;
    }

    @Override
    public void open() throws IdentityException {
        if (keyStore != null) {
            return;
        }
        if (provider == null) {
            provider = configure();
        }
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS11", provider);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new IdentityException(Reason.TOKEN_ABSENT, "no token in " + describe()
                    + ": " + TokenErrors.rootMessage(e) + ". Check that the token is initialised and slot.index names it", e);
        }
        Object version = guard.admit(pin);
        char[] secret = pin.read();
        try {
            store.load(null, secret);
            guard.accepted();
        } catch (IOException | GeneralSecurityException | ProviderException e) {
            if (TokenErrors.wrongPin(e)) {
                guard.refused(version);
                throw new IdentityException(Reason.WRONG_PIN, "the token in " + describe() + " refused the user PIN from "
                        + pin.describe() + " (CKR_PIN_INCORRECT). It is not retried, so that the token does not lock:"
                        + " put the right PIN there, then run palisade:identity show", e);
            }
            throw TokenErrors.map("logging in to the token in " + describe(), e);
        } finally {
            Arrays.fill(secret, '\0');
        }
        keyStore = store;
    }

    private Provider configure() throws IdentityException {
        if (!Files.isRegularFile(library)) {
            throw new IdentityException(Reason.TOKEN_ABSENT, "the PKCS#11 library " + library + " does not exist;"
                    + " install the token's package (SoftHSM2: softhsm2) or correct 'library'");
        }
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new IdentityException(Reason.TOKEN_ERROR, "this Java runtime has no SunPKCS11 provider"
                    + " (module jdk.crypto.cryptoki); use a full JDK or JRE 17+");
        }
        Provider configured = label == null ? configure(base, configuredIndex) : findLabel(base);
        Security.addProvider(configured);
        LOG.debug("Configured {} for {}", configured.getName(), describe());
        return configured;
    }

    /** A SunPKCS11 provider for the token at {@code index}, not yet registered. */
    private Provider configure(Provider base, int index) throws IdentityException {
        String name = freeName();
        Path file = workDirectory.resolve("sunpkcs11.cfg");
        try {
            Files.createDirectories(workDirectory);
            Files.writeString(file, configuration(name, index), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot write the SunPKCS11 configuration " + file + ": " + e, e);
        }
        try {
            return base.configure(file.toString());
        } catch (ProviderException | IllegalArgumentException | UnsupportedOperationException e) {
            String root = TokenErrors.rootMessage(e);
            Reason reason = root.contains("slotListIndex") || root.contains("CKR_TOKEN_NOT_PRESENT")
                    ? Reason.TOKEN_ABSENT : Reason.TOKEN_ERROR;
            throw new IdentityException(reason, "cannot open the PKCS#11 token at slot index " + index + " of " + library
                    + ": " + root, e);
        }
    }

    /**
     * Configures a provider for each slot with a token in turn until one's token has the
     * configured label (see {@link TokenLabels} for why this is the way). Providers for other
     * tokens are dropped unused: they were never registered and never logged in.
     */
    private Provider findLabel(Provider base) throws IdentityException {
        List<String> seen = new java.util.ArrayList<>();
        for (int index = 0; index < MAX_SLOTS; index++) {
            Provider candidate;
            try {
                candidate = configure(base, index);
            } catch (IdentityException e) {
                if (TokenErrors.rootMessage(e).contains("slotListIndex")) {
                    break; // past the last slot with a token
                }
                // A slot SunPKCS11 cannot use, e.g. SoftHSM2's free slot (CKR_TOKEN_NOT_RECOGNIZED): not ours.
                seen.add("none usable at slot index " + index + " (" + TokenErrors.rootMessage(e) + ")");
                continue;
            }
            String found = TokenLabels.label(candidate);
            if (label.equals(found)) {
                slotIndex = index;
                return candidate;
            }
            seen.add("'" + found + "'");
        }
        throw new IdentityException(Reason.TOKEN_ABSENT, "no token labelled '" + label + "' in " + library
                + (seen.isEmpty() ? ": the module lists no token" : "; its tokens are labelled " + String.join(", ", seen)));
    }

    /** The SunPKCS11 configuration: which module and slot, and the attributes of generated keys. */
    String configuration(String name, int index) {
        return "# Written by dev.palisade.identity at each activation; edits are overwritten.\n"
                + "name = " + name + "\n"
                + "library = \"" + library + "\"\n"
                + "slotListIndex = " + index + "\n"
                + String.format(KEY_ATTRIBUTES, publicKeyOnToken) + "\n";
    }

    /** A provider name that no registered provider has, so that addProvider never ignores ours. */
    private static String freeName() {
        for (int n = 1;; n++) {
            if (Security.getProvider("SunPKCS11-Palisade-" + n) == null) {
                return "Palisade-" + n;
            }
        }
    }

    @Override
    public Optional<Entry> entry(String alias) throws IdentityException {
        open();
        try {
            if (!keyStore.isKeyEntry(alias)) {
                return Optional.empty();
            }
            PrivateKey key = (PrivateKey) keyStore.getKey(alias, null);
            Certificate[] chain = keyStore.getCertificateChain(alias);
            if (key == null || chain == null || chain.length == 0) {
                return Optional.empty();
            }
            return Optional.of(new Entry(key, Arrays.stream(chain).map(X509Certificate.class::cast).toList()));
        } catch (GeneralSecurityException | ProviderException e) {
            throw TokenErrors.map("reading key '" + alias + "' from " + describe(), e);
        }
    }

    @Override
    public boolean contains(String alias) throws IdentityException {
        open();
        try {
            return keyStore.containsAlias(alias);
        } catch (GeneralSecurityException | ProviderException e) {
            throw TokenErrors.map("listing " + describe(), e);
        }
    }

    @Override
    public KeyPair generate(KeyType type) throws IdentityException {
        open();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.keyAlgorithm(), provider);
            if (type.curve() != null) {
                generator.initialize(new ECGenParameterSpec(type.curve()));
            } else {
                generator.initialize(type.bits());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IdentityException(Reason.KEY_TYPE_UNSUPPORTED, "the token in " + describe() + " cannot generate "
                    + type + " keys: " + TokenErrors.rootMessage(e), e);
        } catch (ProviderException e) {
            IdentityException mapped = TokenErrors.map("generating a " + type + " key on " + describe(), e);
            if ("CKR_ATTRIBUTE_VALUE_INVALID".equals(TokenErrors.returnCode(e)) && !publicKeyOnToken) {
                throw new IdentityException(mapped.reason(), mapped.getMessage() + ". Some tokens (tpm2-pkcs11) need"
                        + " public.key.on.token = true in the configuration", e);
            }
            throw mapped;
        }
    }

    @Override
    public void store(String alias, PrivateKey key, List<X509Certificate> chain) throws IdentityException {
        open();
        try {
            // The token writes through: the key keeps its CKA_ID, the certificates are replaced.
            keyStore.setKeyEntry(alias, key, null, chain.toArray(new X509Certificate[0]));
        } catch (GeneralSecurityException | ProviderException e) {
            throw TokenErrors.map("storing key '" + alias + "' on " + describe(), e);
        }
    }

    /**
     * SunPKCS11 destroys the private key and the certificate labelled {@code alias}, and those CA
     * certificates of its chain that issued no other certificate on the token, so an
     * intermediate shared with the new chain stays.
     */
    @Override
    public void delete(String alias) throws IdentityException {
        open();
        try {
            if (keyStore.containsAlias(alias)) {
                keyStore.deleteEntry(alias);
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw TokenErrors.map("destroying key '" + alias + "' on " + describe(), e);
        }
    }

    @Override
    public Provider signatureProvider() {
        return provider;
    }

    @Override
    public KeyLocation location(String alias) {
        return new KeyLocation(KeyLocation.Backend.PKCS11, library.toString(), (label != null ? "token '" + label + "', " : "")
                + "slot index " + slotIndex, (long) slotIndex, alias);
    }

    /**
     * SunPKCS11 hands out the encoding of a private key only when the token lets it out; its
     * {@code toString()} also names the key's {@code CKA_SENSITIVE} and {@code CKA_EXTRACTABLE}
     * state, which catches a key that is extractable but sensitive (or the reverse), for which
     * the encoding alone would say nothing.
     */
    @Override
    public boolean extractable(PrivateKey key) {
        if (key.getEncoded() != null) {
            return true;
        }
        String text = key.toString();
        return text.contains("not sensitive") || text.contains(", extractable");
    }

    @Override
    public String describe() {
        return label != null ? "the PKCS#11 token labelled '" + label + "' of " + library
                : "the PKCS#11 token at slot index " + slotIndex + " of " + library;
    }

    @Override
    public void close() {
        Provider open = provider;
        if (open == null) {
            return;
        }
        keyStore = null;
        if (open instanceof AuthProvider) {
            try {
                ((AuthProvider) open).logout();
            } catch (LoginException | ProviderException e) {
                LOG.debug("Logging out of {} failed: {}", describe(), e.toString());
            }
        }
        Security.removeProvider(open.getName());
        provider = null;
    }
}
