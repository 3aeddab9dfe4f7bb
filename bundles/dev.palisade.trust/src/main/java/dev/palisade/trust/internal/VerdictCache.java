package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.Verdict;
import java.nio.ByteBuffer;
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

    /** The exact request; the chain as byte buffers because they compare by content. */
    record Key(String domain, Purpose purpose, String expectedIdentity, List<ByteBuffer> chain) {
        static Key of(String domain, Purpose purpose, String expectedIdentity, List<byte[]> chain) {
            // The encodings are the request's own copies: nobody else can change them.
            return new Key(domain, purpose, expectedIdentity, chain.stream().map(ByteBuffer::wrap).toList());
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
