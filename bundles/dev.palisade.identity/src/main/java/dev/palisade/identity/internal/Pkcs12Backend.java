package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's key in a PKCS#12 file, protected by the PIN as its password. For development
 * and demos only: the key is generated in the JVM's memory and anyone who can read the file
 * and its PIN has it. The component that uses this says so at every start.
 *
 * <p>The PIN is read again for each operation that needs it and cleared after use, rather than
 * kept in memory for the life of the gateway. The file is replaced atomically and created with
 * mode 0600.
 */
final class Pkcs12Backend implements KeyStoreBackend {

    private final Path file;
    private final PinSource pin;
    private final PinGuard guard = new PinGuard();
    private KeyStore keyStore;

    /**
     * @param file the keystore file; created by the first {@link #store}
     * @param pin where its password comes from
     */
    Pkcs12Backend(Path file, PinSource pin) {
        this.file = file;
        this.pin = pin;
    }

    @Override
    public void open() throws IdentityException {
        if (keyStore != null) {
            return;
        }
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
        } catch (GeneralSecurityException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "this Java runtime has no PKCS12 keystore", e);
        }
        if (!Files.exists(file)) {
            try {
                store.load(null, null);
            } catch (IOException | GeneralSecurityException e) {
                throw TokenErrors.map("creating an empty PKCS#12 keystore", e);
            }
            keyStore = store;
            return;
        }
        Object version = guard.admit(pin);
        char[] secret = pin.read();
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, secret);
            guard.accepted();
        } catch (IOException | GeneralSecurityException e) {
            if (TokenErrors.wrongPin(e)) {
                guard.refused(version);
                throw new IdentityException(Reason.WRONG_PIN, "the PKCS#12 file " + file + " does not open with the PIN from "
                        + pin.describe() + "; put the right PIN there, then run palisade:identity show", e);
            }
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot read the PKCS#12 file " + file + ": "
                    + TokenErrors.rootMessage(e), e);
        } finally {
            Arrays.fill(secret, '\0');
        }
        keyStore = store;
    }

    @Override
    public Optional<Entry> entry(String alias) throws IdentityException {
        open();
        char[] secret = null;
        try {
            if (!keyStore.isKeyEntry(alias)) {
                return Optional.empty();
            }
            secret = pin.read();
            PrivateKey key = (PrivateKey) keyStore.getKey(alias, secret);
            Certificate[] chain = keyStore.getCertificateChain(alias);
            if (key == null || chain == null || chain.length == 0) {
                return Optional.empty();
            }
            return Optional.of(new Entry(key, Arrays.stream(chain).map(X509Certificate.class::cast).toList()));
        } catch (GeneralSecurityException e) {
            throw TokenErrors.map("reading key '" + alias + "' from " + describe(), e);
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }

    @Override
    public boolean contains(String alias) throws IdentityException {
        open();
        try {
            return keyStore.containsAlias(alias);
        } catch (GeneralSecurityException e) {
            throw TokenErrors.map("listing " + describe(), e);
        }
    }

    @Override
    public KeyPair generate(KeyType type) throws IdentityException {
        open();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.keyAlgorithm());
            if (type.curve() != null) {
                generator.initialize(new ECGenParameterSpec(type.curve()));
            } else {
                generator.initialize(type.bits());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IdentityException(Reason.KEY_TYPE_UNSUPPORTED, "cannot generate " + type + " keys: " + e.getMessage(), e);
        }
    }

    @Override
    public void store(String alias, PrivateKey key, List<X509Certificate> chain) throws IdentityException {
        open();
        char[] secret = pin.read();
        try {
            keyStore.setKeyEntry(alias, key, secret, chain.toArray(new X509Certificate[0]));
            write(secret);
        } catch (GeneralSecurityException e) {
            keyStore = null; // the in-memory store may now differ from the file: read the file again next time
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot store key '" + alias + "' in " + describe() + ": "
                    + TokenErrors.rootMessage(e), e);
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    @Override
    public void delete(String alias) throws IdentityException {
        open();
        char[] secret = pin.read();
        try {
            if (keyStore.containsAlias(alias)) {
                keyStore.deleteEntry(alias);
                write(secret);
            }
        } catch (GeneralSecurityException e) {
            keyStore = null;
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot delete key '" + alias + "' from " + describe() + ": "
                    + TokenErrors.rootMessage(e), e);
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    /** Replaces the file with the in-memory store, atomically, mode 0600. */
    private void write(char[] secret) throws IdentityException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(temporary)) {
                keyStore.store(out, secret);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | GeneralSecurityException e) {
            keyStore = null; // the in-memory store now differs from the file: read the file again next time
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot write the PKCS#12 file " + file + ": "
                    + TokenErrors.rootMessage(e), e);
        }
    }

    @Override
    public Provider signatureProvider() {
        return null;
    }

    @Override
    public KeyLocation location(String alias) {
        return new KeyLocation(KeyLocation.Backend.PKCS12, null, file.getFileName().toString(), null, alias);
    }

    @Override
    public boolean extractable(PrivateKey key) {
        return true;
    }

    @Override
    public String describe() {
        return "the PKCS#12 file " + file;
    }

    @Override
    public void close() {
        keyStore = null;
    }
}
