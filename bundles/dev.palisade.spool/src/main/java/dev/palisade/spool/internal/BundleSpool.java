package dev.palisade.spool.internal;

import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolStats;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Spool} as one bundle sees it (bundle scope): it remembers what it handed to that
 * bundle, so that when the bundle lets go of the service (the link stopped or updated) every
 * message it neither acknowledged nor released goes back into the queue at once.
 */
@Component(service = Spool.class, scope = ServiceScope.BUNDLE)
public final class BundleSpool implements Spool {

    private static final Logger LOG = LoggerFactory.getLogger(BundleSpool.class);

    private final Journal journal;
    private final Set<Long> handedOut = new HashSet<>();

    /** @param spool the spool component, which owns the journal */
    @Activate
    public BundleSpool(@Reference SpoolComponent spool) {
        this(spool.journal());
    }

    BundleSpool(Journal journal) {
        this.journal = journal;
    }

    @Override
    public long append(dev.palisade.api.upstream.SpoolMessage message)
            throws dev.palisade.api.upstream.UpstreamException {
        return journal.append(Objects.requireNonNull(message, "message"));
    }

    @Override
    public List<SpoolEntry> next(int max, Predicate<String> eligibleKey, Duration wait) throws InterruptedException {
        List<SpoolEntry> entries = journal.next(max, Objects.requireNonNull(eligibleKey, "eligibleKey"),
                Objects.requireNonNull(wait, "wait"));
        synchronized (handedOut) {
            for (SpoolEntry entry : entries) {
                handedOut.add(entry.sequence());
            }
        }
        return entries;
    }

    @Override
    public void ack(long sequence) {
        synchronized (handedOut) {
            handedOut.remove(sequence);
        }
        journal.ack(sequence);
    }

    @Override
    public void release(long sequence) {
        synchronized (handedOut) {
            handedOut.remove(sequence);
        }
        journal.release(sequence);
    }

    @Override
    public SpoolStats stats() {
        return journal.stats();
    }

    @Deactivate
    void deactivate() {
        Long[] pending;
        synchronized (handedOut) {
            pending = handedOut.toArray(new Long[0]);
            handedOut.clear();
        }
        for (long sequence : pending) {
            journal.release(sequence);
        }
        if (pending.length > 0) {
            LOG.info("Spool: {} message(s) in flight to a bundle that let go of the spool are queued again",
                    pending.length);
        }
    }
}
