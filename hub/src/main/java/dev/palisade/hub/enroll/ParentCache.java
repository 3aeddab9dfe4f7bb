package dev.palisade.hub.enroll;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.RegistryException;

/**
 * Each child's parent, as the child-topic rule asks for it on every {@code d/<C>/…} publish
 * (docs/protocol.md §11), kept in memory so that a publish for a known child is decided on the
 * broker's thread without a registry read.
 *
 * <p>Kept true: this hub's own enrollments and unenrollments invalidate their children when their
 * transaction has committed; changes made by another process (the admin commands' {@code child
 * remove} and {@code ca revoke-cert}, another hub node) are noticed through the database's change
 * counter, read at most every {@link #RECHECK}: a cached answer is used only if that counter was
 * read less than {@link #RECHECK} ago, so such a change applies to publishes within that time.
 * Unknown children are cached too (as "no parent"); the map is emptied when it reaches
 * {@link #MAX_ENTRIES}, so a gateway naming endless child ids cannot grow it without bound.
 */
final class ParentCache {
    static final Duration RECHECK = Duration.ofMillis(500);
    static final int MAX_ENTRIES = 200_000;
    private static final String NO_PARENT = ""; // gateway ids are never empty

    private final EnrollmentStore store;
    private final ConcurrentHashMap<String, String> parents = new ConcurrentHashMap<>();
    /** Bumped before every invalidation: a load that overlapped one does not stay cached. */
    private final AtomicLong generation = new AtomicLong();
    private volatile long checkedAt = System.nanoTime() - 2 * RECHECK.toNanos();
    private long seenVersion = Long.MIN_VALUE;

    ParentCache(EnrollmentStore store) {
        this.store = store;
    }

    /**
     * Never blocks.
     *
     * @return the cached answer, or null if the caller must ask {@link #parentOf} (off the
     *         broker's threads)
     */
    Optional<String> cached(String child) {
        if (System.nanoTime() - checkedAt > RECHECK.toNanos()) {
            return null;
        }
        String parent = parents.get(child);
        return parent == null ? null : parent.equals(NO_PARENT) ? Optional.empty() : Optional.of(parent);
    }

    /** Blocks on the registry when the answer is not cached or the change counter is due. */
    Optional<String> parentOf(String child) throws RegistryException {
        recheckIfDue();
        Optional<String> hit = cached(child);
        if (hit != null) {
            return hit;
        }
        long before = generation.get();
        Optional<String> parent = store.parentOf(child);
        String value = parent.orElse(NO_PARENT);
        if (parents.size() >= MAX_ENTRIES) {
            parents.clear();
        }
        parents.put(child, value);
        if (generation.get() != before) {
            parents.remove(child, value); // invalidated while we read: the next call reads again
        }
        return parent;
    }

    /** After this hub committed a change of the child's parent. */
    void invalidate(String child) {
        generation.incrementAndGet();
        parents.remove(child);
    }

    private synchronized void recheckIfDue() throws RegistryException {
        long now = System.nanoTime();
        if (now - checkedAt <= RECHECK.toNanos()) {
            return;
        }
        long version = store.externalChanges();
        if (version != seenVersion) {
            generation.incrementAndGet();
            parents.clear();
            seenVersion = version;
        }
        checkedAt = now; // the time before the read: conservative
    }
}
