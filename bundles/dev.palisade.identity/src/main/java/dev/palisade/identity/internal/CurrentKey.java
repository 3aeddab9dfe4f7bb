package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's key as last read from the keystore: immutable, so that the signer and the key
 * manager can use it from any thread while an operator installs a new chain.
 *
 * @param alias the key's alias
 * @param key the private key (a handle to the token's key for PKCS#11)
 * @param chain leaf first; unmodifiable
 * @param type the key's type
 * @param info what {@code show} prints
 */
record CurrentKey(String alias, PrivateKey key, List<X509Certificate> chain, KeyType type, IdentityInfo info) {

    CurrentKey {
        chain = List.copyOf(chain);
    }

    /** @return the key under {@code alias} in {@code backend}, or {@code null} if there is none */
    static CurrentKey read(KeyStoreBackend backend, String alias) throws IdentityException {
        Optional<KeyStoreBackend.Entry> entry = backend.entry(alias);
        if (entry.isEmpty()) {
            return null;
        }
        List<X509Certificate> chain = entry.get().chain();
        X509Certificate leaf = chain.get(0);
        KeyType type = Certificates.keyType(leaf.getPublicKey());
        boolean installed = !(chain.size() == 1 && Certificates.isPlaceholder(leaf));
        IdentityInfo info = new IdentityInfo(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(),
                leaf.getSerialNumber(), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), type,
                Certificates.fingerprint(leaf), backend.location(alias), backend.extractable(entry.get().key()), installed);
        return new CurrentKey(alias, entry.get().key(), chain, type, info);
    }

    /** @return the leaf certificate */
    X509Certificate leaf() {
        return chain.get(0);
    }

    /** @return {@code true} once an issued chain replaced the placeholder certificate */
    boolean installed() {
        return info.chainInstalled();
    }
}
