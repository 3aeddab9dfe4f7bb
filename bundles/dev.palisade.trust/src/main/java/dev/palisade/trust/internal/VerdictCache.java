package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.Verdict;
import java.util.Arrays;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Accepting verdicts of "now" requests, keyed by the exact chain bytes, domain, purpose and
 * expected identity, in a bounded LRU map. An entry is used only while the domain state, the
 * deny-list and the service's generation are the very ones it was computed with, and before its
 * valid-until (first expiry in the path or a used CRL going stale).
 *
 * <p>Rejections are not cached: a rejection has no valid-until (a NOT_YET_VALID chain becomes
 * good by itself), and building a rejection is bounded work anyway.
 */
final class VerdictCache {

    /**
     * The exact request. Equality compares every byte of every certificate; the hash, computed
     * once, covers only each certificate's length and last {@value #HASHED_TAIL} bytes (its
     * signature), because hashing whole chains dominated the cost of a cache hit. Only accepted
     * chains are cached, and their signatures cannot be chosen without the CA's key, so entries
     * cannot be made to collide.
     */
    static final class Key {
        static final int HASHED_TAIL = 32;

        private final String domain;
        private final Purpose purpose;
        private final String expectedIdentity;
        private final byte[][] chain;
        private final int hash;

        private Key(String domain, Purpose purpose, String expectedIdentity, byte[][] chain) {
            this.domain = domain;
            this.purpose = purpose;
            this.expectedIdentity = expectedIdentity;
            this.chain = chain;
            int h = Objects.hash(domain, purpose, expectedIdentity);
            for (byte[] der : chain) {
                h = 31 * h + der.length;
                for (int i = Math.max(0, der.length - HASHED_TAIL); i < der.length; i++) {
                    h = 31 * h + der[i];
                }
            }
            this.hash = h;
        }

        /** @param chain the request's own copies of the encodings: nobody else can change them */
        static Key of(String domain, Purpose purpose, String expectedIdentity, List<byte[]> chain) {
            return new Key(domain, purpose, expectedIdentity, chain.toArray(new byte[0][]));
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Key)) {
                return false;
            }
            Key that = (Key) other;
            if (hash != that.hash || purpose != that.purpose || chain.length != that.chain.length
                    || !domain.equals(that.domain) || !Objects.equals(expectedIdentity, that.expectedIdentity)) {
                return false;
            }
            for (int i = 0; i < chain.length; i++) {
                if (!Arrays.equals(chain[i], that.chain[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A verdict and everything it depended on. */
    record Entry(Verdict verdict, Instant validUntil, DomainState domain, DenyListComponent.State denyList,
            long generation) {
    }

    private final Map<Key, Entry> entries;

    /** @param maxEntries the bound; the least recently used entry goes first */
    VerdictCache(int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("'cache.max.entries' must not be negative: " + maxEntries);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** @return the cached verdict if it still holds for exactly this state, else null */
    synchronized Verdict get(Key key, DomainState domain, DenyListComponent.State denyList, long generation, Instant now) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (entry.domain() != domain || entry.denyList() != denyList || entry.generation() != generation
                || !now.isBefore(entry.validUntil())) {
            entries.remove(key);
            return null;
        }
        return entry.verdict();
    }

    synchronized void put(Key key, Entry entry) {
        Objects.requireNonNull(entry.validUntil(), "validUntil");
        entries.put(key, entry);
    }

    synchronized void clear() {
        entries.clear();
    }

    synchronized int size() {
        return entries.size();
    }
}
