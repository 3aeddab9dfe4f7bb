package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * A keystore the gateway's key lives in: a PKCS#11 token or, for development, a PKCS#12 file.
 * Callers serialise access (see {@link IdentityManager}); implementations need not be thread-safe
 * except for {@link #signatureProvider()}, which the signer reads concurrently.
 */
interface KeyStoreBackend extends AutoCloseable {

    /** A key and the certificates stored with it, leaf first. */
    record Entry(PrivateKey key, List<X509Certificate> chain) {
        public Entry {
            chain = List.copyOf(chain);
        }
    }

    /**
     * Opens the keystore and logs in, unless already done. Never presents a PIN the token refused
     * before (see {@link PinGuard}).
     *
     * @throws IdentityException why the keystore cannot be used
     */
    void open() throws IdentityException;

    /**
     * @param alias an alias
     * @return the key entry under {@code alias}, or empty if there is none
     * @throws IdentityException token and PIN reasons
     */
    Optional<Entry> entry(String alias) throws IdentityException;

    /** @return {@code true} if any entry (key or certificate) uses {@code alias} */
    boolean contains(String alias) throws IdentityException;

    /**
     * Generates a key pair in the keystore (on the token for PKCS#11: sensitive, not extractable).
     *
     * @param type the key type
     * @return the pair; the private key is usable only through {@link #signatureProvider()}
     * @throws IdentityException {@code KEY_TYPE_UNSUPPORTED} or token reasons
     */
    KeyPair generate(KeyType type) throws IdentityException;

    /**
     * Stores {@code key} with {@code chain} under {@code alias}, replacing the chain of an
     * existing entry, and makes it durable.
     */
    void store(String alias, PrivateKey key, List<X509Certificate> chain) throws IdentityException;

    /**
     * Destroys the key under {@code alias} and its certificates, if there is such an entry. For a
     * token this is irreversible.
     */
    void delete(String alias) throws IdentityException;

    /**
     * @return the provider that holds the keys, for signing with them; {@code null} when the
     *         JCA may choose (a software key)
     */
    Provider signatureProvider();

    /** @return where a key under {@code alias} lives */
    KeyLocation location(String alias);

    /** @return {@code true} if the keystore would let {@code key}'s material out */
    boolean extractable(PrivateKey key);

    /** @return the keystore in words, for messages and logs: "PKCS#11 token at slot index 0 of …" */
    String describe();

    /** Logs out and releases the keystore; never throws. */
    @Override
    void close();
}
