package dev.palisade.hub.enroll;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;

/**
 * Each child's relation (its parent, the CA it depends on, its certificate's notAfter), as the
 * child-topic rule asks for it on every {@code d/<C>/…} publish (docs/protocol.md §11), kept in
 * memory with the set of verified CAs so that a publish for a known child is decided on the
 * broker's thread without a registry read: a map lookup, a set lookup and a comparison of two
 * longs.
 *
 * <p>Kept true: this hub's own enrollments and unenrollments invalidate their children when their
 * transaction has committed; changes made by another process (the admin commands' {@code child
 * remove}, {@code ca revoke-cert}, {@code ca disable|enable|remove}, another hub node) are noticed
 * through the database's change counter, read at most every {@link #RECHECK}: a cached answer is
 * used only if that counter was read less than {@link #RECHECK} ago, so such a change applies to
 * publishes within that time. Unknown children are cached too (as "no parent"); the map is
 * emptied when it reaches {@link #MAX_ENTRIES}, so a gateway naming endless child ids cannot grow
 * it without bound.
 */
final class ParentCache {
    static final Duration RECHECK = Duration.ofMillis(500);
    static final int MAX_ENTRIES = 200_000;
    /**
     * A cached relation; {@code notAfter} in epoch milliseconds ({@link Long#MAX_VALUE} if not
     * recorded). {@code caState} memoises the CA's status for one version of the CA set —
     * {@code version << 1 | verified} in one int, so a reader never sees a version with another
     * version's answer — sparing the set lookup (a 64-character string compare) on every publish.
     */
    private static final class Entry {
        final String gateway;
        final String ca;
        final long notAfter;
        int caState = -1;

        Entry(String gateway, String ca, long notAfter) {
            this.gateway = gateway;
            this.ca = ca;
            this.notAfter = notAfter;
        }
    }

    private static final Entry NO_PARENT = new Entry("", null, Long.MAX_VALUE); // gateway ids are never empty

    private final EnrollmentStore store;
    private final HubRegistry registry;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> relations = new ConcurrentHashMap<>();
    /** Bumped before every invalidation: a load that overlapped one does not stay cached. */
    private final AtomicLong generation = new AtomicLong();
    /**
     * When the change counter was last read, on the monotonic clock and on the hub's clock at the
     * same moment: a publish computes the wall time from the {@code nanoTime} it reads anyway,
     * instead of reading a second clock (the notAfter check costs a subtraction, not a syscall).
     */
    private record Tick(long nanos, long wallMillis) {
        long wallAt(long nanosNow) {
            return wallMillis + (nanosNow - nanos) / 1_000_000;
        }
    }

    private volatile Tick checkedAt = new Tick(System.nanoTime() - 2 * RECHECK.toNanos(), 0);
    /** The thumbprints of the CAs that are verified now; replaced whole when the database changed. */
    private volatile Set<String> verifiedCas = Set.of();
    /** Bumped (after {@link #verifiedCas} is replaced) at every load of the CA set. */
    private volatile int casVersion;
    private long seenVersion = Long.MIN_VALUE;

    ParentCache(EnrollmentStore store, HubRegistry registry, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.clock = clock;
    }

    /**
     * Never blocks.
     *
     * @return the decision from what is cached, or null if the caller must ask {@link #decide}
     *         (off the broker's threads)
     */
    ChildTopicVerdict cached(String gateway, String child) {
        long now = System.nanoTime();
        Tick tick = checkedAt;
        if (now - tick.nanos() > RECHECK.toNanos()) {
            return null;
        }
        Entry e = relations.get(child);
        return e == null ? null : judge(e, gateway, tick.wallAt(now));
    }

    /** Blocks on the registry when the answer is not cached or the change counter is due. */
    ChildTopicVerdict decide(String gateway, String child) throws RegistryException {
        recheckIfDue();
        ChildTopicVerdict hit = cached(gateway, child);
        if (hit != null) {
            return hit;
        }
        long before = generation.get();
        Optional<EnrollmentStore.Relation> relation = store.relationOf(child);
        Entry value = relation.map(r -> new Entry(r.gateway(), r.ca(), r.notAfter() == null ? Long.MAX_VALUE
                : r.notAfter().toEpochMilli())).orElse(NO_PARENT);
        if (relations.size() >= MAX_ENTRIES) {
            relations.clear();
        }
        relations.put(child, value);
        if (generation.get() != before) {
            relations.remove(child, value); // invalidated while we read: the next call reads again
        }
        ChildTopicVerdict verdict = judge(value, gateway, clock.millis());
        if (verdict == ChildTopicVerdict.CA_SUSPENDED) {
            // The CA set may be up to RECHECK old and the relation new (a CA verified a moment ago,
            // its first child just enrolled): read the CAs now before refusing.
            loadVerifiedCas();
            verdict = judge(value, gateway, clock.millis());
        }
        return verdict;
    }

    private ChildTopicVerdict judge(Entry e, String gateway, long nowMillis) {
        if (!e.gateway.equals(gateway)) {
            return ChildTopicVerdict.NOT_PARENT;
        }
        if (e.ca != null && !caVerified(e)) {
            return ChildTopicVerdict.CA_SUSPENDED;
        }
        return nowMillis > e.notAfter ? ChildTopicVerdict.EXPIRED : ChildTopicVerdict.PARENT;
    }

    private boolean caVerified(Entry e) {
        int version = casVersion; // read before the set: a newer set with this version is only more current
        int state = e.caState;
        if (state >>> 1 == version && state >= 0) {
            return (state & 1) == 1;
        }
        boolean verified = verifiedCas.contains(e.ca);
        e.caState = (version << 1 | (verified ? 1 : 0)) & Integer.MAX_VALUE;
        return verified;
    }

    /** After this hub committed a change of the child's parent. */
    void invalidate(String child) {
        generation.incrementAndGet();
        relations.remove(child);
    }

    private synchronized void recheckIfDue() throws RegistryException {
        long now = System.nanoTime();
        if (now - checkedAt.nanos() <= RECHECK.toNanos()) {
            return;
        }
        long wall = clock.millis();
        long version = store.externalChanges();
        if (version != seenVersion) {
            generation.incrementAndGet();
            relations.clear();
            loadVerifiedCas();
            seenVersion = version;
        }
        checkedAt = new Tick(now, wall); // the time before the read: conservative
    }

    private synchronized void loadVerifiedCas() throws RegistryException {
        Set<String> verified = new HashSet<>();
        for (CaRecord ca : registry.listCas()) {
            if (ca.status() == CaStatus.VERIFIED) {
                verified.add(ca.thumbprint());
            }
        }
        verifiedCas = Set.copyOf(verified);
        casVersion = (casVersion + 1) & (Integer.MAX_VALUE >>> 1);
    }
}
