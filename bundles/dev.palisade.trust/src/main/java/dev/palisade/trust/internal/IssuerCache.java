package dev.palisade.trust.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CA certificates that devices present, decoded once: keyed by their exact DER bytes, so a hit
 * is the very same decoding a fresh parse would give. Keeping the decoded issuer also keeps its
 * decoded public key, whose precomputed multiples make every later signature check with it about
 * twice as fast (docs/benchmarks.md). Signatures are still verified on every request.
 *
 * <p>Only CA certificates of accepted paths are added, so the cache holds what a plant's devices
 * really present; it is bounded and simply emptied when full.
 */
final class IssuerCache {

    /** Far above the issuing CAs of one plant. */
    static final int MAX_ENTRIES = 256;

    /** Exact bytes; the hash covers length and the last bytes (the signature of an accepted certificate). */
    private static final class DerKey {
        private final byte[] der;
        private final int hash;

        DerKey(byte[] der) {
            this.der = der;
            int h = der.length;
            for (int i = Math.max(0, der.length - 32); i < der.length; i++) {
                h = 31 * h + der[i];
            }
            this.hash = h;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof DerKey && hash == ((DerKey) other).hash && Arrays.equals(der, ((DerKey) other).der);
        }
    }

    private final Map<DerKey, Cert> entries = new ConcurrentHashMap<>();

    /** @return the decoded certificate numbered {@code index}, or null if not held */
    Cert get(byte[] der, int index) {
        Cert cert = entries.get(new DerKey(der));
        return cert == null ? null : cert.at(index);
    }

    /** Keeps a CA certificate of an accepted path. */
    void add(Cert cert) {
        if (!cert.isCa()) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.putIfAbsent(new DerKey(cert.der), cert);
    }

    int size() {
        return entries.size();
    }
}
