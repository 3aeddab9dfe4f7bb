package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

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

    /** @return the leaf certificate */
    X509Certificate leaf() {
        return chain.get(0);
    }

    /** @return {@code true} once an issued chain replaced the placeholder certificate */
    boolean installed() {
        return info.chainInstalled();
    }
}
