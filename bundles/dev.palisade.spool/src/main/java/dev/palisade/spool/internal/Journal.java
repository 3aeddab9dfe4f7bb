package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.SpoolStats;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.api.upstream.UpstreamException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's journal: what producers append, the link takes, acknowledges or releases, and
 * what expiry and the overflow policy remove. Three parts under one lock: the segment files
 * ({@link SegmentFiles}: append-only CRC-framed records, syncs, deletion of sent segments), the
 * in-memory index of the messages held ({@link PriorityQueues}; payloads stay on disk), and
 * recovery of both at open ({@link Recovery}).
 *
 * <p>Order: most urgent priority first, sequence (append) order within a priority. A message
 * leaves only by {@link #ack} (the hub has it), by the overflow policy, or by expiry; each leaves
 * a REMOVE record. In-flight state is not persisted: after a restart every message held is
 * queued again. Thread-safe; one lock guards the index and the writes, {@code fsync}s of
 * appends are grouped across producers (group commit) and run outside the lock, except when a
 * segment is closed.
 */
public final class Journal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** Segments are zero-filled this far ahead of the writer (see {@link Segment#write}). */
    static final long ALLOCATION_STEP = 1 << 20;
    /** How far sequences jump at every start: more than any sync group can lose. */
    static final long SEQUENCE_GAP_AT_START = 1L << 20;

    /** A message handed out and not yet read back: where its record is. */
    private record Taken(long seq, int priority, Segment segment, int offset, int length) {
    }

    private final Path directory;
    private final JournalSettings settings;
    private final Clock clock;
    private final ReentrantLock mutex;
    private final Condition available;
    private final SegmentFiles files;
    private final PriorityQueues queues = new PriorityQueues();
    /** Messages handed out and not yet acknowledged or released: sequence to priority. */
    private final Map<Long, Integer> inFlight = new HashMap<>();
    private long nextSeq;
    private long messages;
    private long bytes;
    private long dropped;
    private long expired;
    private boolean closed;
    private final Instant countersSince;

    private Journal(Path directory, JournalSettings settings, Clock clock, ReentrantLock mutex, SegmentFiles files) {
        this.directory = directory;
        this.mutex = mutex;
        this.available = mutex.newCondition();
        this.settings = settings;
        this.clock = clock;
        this.files = files;
        this.countersSince = clock.instant();
    }

    /**
     * Opens (creating if needed) the journal in {@code directory}, recovering what it holds.
     *
     * @throws IOException if the directory cannot be used, or another journal has it open
     */
    public static Journal open(Path directory, JournalSettings settings, Clock clock) throws IOException {
        ReentrantLock mutex = new ReentrantLock();
        Journal journal = new Journal(directory, settings, clock, mutex, SegmentFiles.lock(directory, settings, mutex));
        try {
            journal.recover();
        } catch (IOException | RuntimeException e) {
            journal.files.close();
            throw e;
        }
        return journal;
    }

    private void recover() throws IOException {
        long started = System.nanoTime();
        Recovery.State state = Recovery.recover(directory, queues);
        messages = state.messages();
        bytes = state.bytes();
        // A record written but not yet synced when the power went is gone, and its number with it;
        // jumping ahead at every start means such a number is never handed out twice.
        nextSeq = state.lastSeq() + SEQUENCE_GAP_AT_START;
        files.adopt(state.segments());
        SpaceReserve.ensure(directory);
        compact();
        LOG.info("Spool {} opened: {} messages ({} payload bytes) in {} segment(s), {} records read in {} ms,"
                + " {} torn bytes discarded; power-cut loss window {}", directory, messages, bytes, files.count(),
                state.recordsRead(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                state.discardedBytes(), settings.lossWindow());
    }

    /**
     * Appends a message; durable per the sync policy when this returns.
     *
     * @return its sequence number
     * @throws UpstreamException SPOOL_FULL, TOO_LARGE, NO_SPACE, STORAGE_ERROR or CLOSED
     */
    public long append(SpoolMessage message) throws UpstreamException {
        // An interrupted thread's FileChannel I/O closes the channel for every thread (NIO's
        // interruptible channels): a producer being stopped must not break the journal for the
        // others. Its interrupt is kept for it and restored on the way out.
        boolean interrupted = Thread.interrupted();
        try {
            return appendUninterrupted(message);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private long appendUninterrupted(SpoolMessage message) throws UpstreamException {
        int size = message.size();
        if (size > settings.maxMessageBytes() || size > settings.maxBytes()) {
            throw new UpstreamException(Reason.TOO_LARGE, "message for '" + message.topic() + "' has " + size
                    + " bytes, above the spool's limit of " + Math.min(settings.maxMessageBytes(), settings.maxBytes()));
        }
        long acceptedAt = message.acceptedAt().toEpochMilli();
        long expiresAt = message.expiresAt() == null ? 0 : Math.max(1, message.expiresAt().toEpochMilli());
        long seq;
        long writeNumber;
        mutex.lock();
        try {
            ensureOpen();
            if (!queues.canHold(message.key())) {
                throw new UpstreamException(Reason.SPOOL_FULL, "the spool holds messages for 65,536 distinct"
                        + " children already; message for '" + message.topic() + "' not accepted");
            }
            List<PriorityQueues.Victim> victims = makeRoom(message, size);
            seq = nextSeq;
            ByteBuffer record = Records.data(seq, message.priority(), acceptedAt, expiresAt, message.key(),
                    message.topic(), message.payload());
            int length = record.remaining();
            long offset = files.appendData(record, seq, message.topic());
            writeNumber = files.writes();
            nextSeq++;
            queues.add(seq, message.priority(), message.key(), acceptedAt, expiresAt, offset, length, size);
            messages++;
            bytes += size;
            for (PriorityQueues.Victim victim : victims) {
                IndexQueue.Slot slot = queues.find(victim.priority(), victim.seq());
                if (slot != null && slot.state() == IndexQueue.QUEUED) {
                    remove(slot, Records.DROPPED);
                    dropped++;
                }
            }
            queues.trimIfPending();
            available.signalAll();
            if (!files.syncDue()) {
                return seq;
            }
        } finally {
            mutex.unlock();
        }
        files.sync(writeNumber, message.topic());
        return seq;
    }

    /** What the overflow policy removes to fit a message of {@code size} bytes; nothing removed yet. */
    private List<PriorityQueues.Victim> makeRoom(SpoolMessage message, int size) throws UpstreamException {
        if (messages + 1 <= settings.maxMessages() && bytes + size <= settings.maxBytes()) {
            return List.of();
        }
        expire(clock.millis());
        long needMessages = messages + 1 - settings.maxMessages();
        long needBytes = bytes + size - settings.maxBytes();
        if (needMessages <= 0 && needBytes <= 0) {
            return List.of();
        }
        String full = "the spool is full (" + messages + " of " + settings.maxMessages() + " messages, " + bytes
                + " of " + settings.maxBytes() + " bytes)";
        if (settings.overflow() == JournalSettings.OverflowPolicy.REFUSE) {
            throw new UpstreamException(Reason.SPOOL_FULL, full + " and its overflow policy refuses new messages;"
                    + " message for '" + message.topic() + "' not accepted");
        }
        List<PriorityQueues.Victim> victims = queues.oldestQueued(message.priority(), needMessages, needBytes);
        if (victims == null) {
            throw new UpstreamException(Reason.SPOOL_FULL, full + " of messages more urgent than priority "
                    + message.priority() + " or in flight to the hub; message for '" + message.topic()
                    + "' not accepted");
        }
        return victims;
    }

    /** Makes every record written so far durable (acknowledgements included); for the sync timer. */
    public void syncNow() {
        long target;
        mutex.lock();
        try {
            target = files.writes();
        } finally {
            mutex.unlock();
        }
        try {
            files.sync(target, "(periodic sync)");
        } catch (UpstreamException e) {
            LOG.warn("Spool periodic sync failed: {}", e.getMessage());
        }
    }

    /**
     * Hands out up to {@code max} queued messages whose key is eligible, most urgent first.
     *
     * @see dev.palisade.api.upstream.Spool#next
     */
    public List<SpoolEntry> next(int max, Predicate<String> eligibleKey, Duration wait) throws InterruptedException {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, got " + max);
        }
        long remaining = wait.toNanos();
        List<Taken> taken = new ArrayList<>();
        mutex.lockInterruptibly();
        try {
            while (!closed) {
                take(max, eligibleKey, clock.millis(), taken);
                if (!taken.isEmpty() || remaining <= 0) {
                    break;
                }
                remaining = available.awaitNanos(remaining);
            }
        } finally {
            mutex.unlock();
        }
        List<SpoolEntry> out = new ArrayList<>(taken.size());
        // As in append: an interrupt arriving now must not close the segments' channels under the reads.
        boolean interrupted = Thread.interrupted();
        try {
            readAll(taken, out);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return out;
    }

    private void readAll(List<Taken> taken, List<SpoolEntry> out) {
        for (Taken entry : taken) {
            try {
                out.add(Records.entry(entry.segment().read(entry.offset(), entry.length()), entry.seq()));
            } catch (IOException | RuntimeException e) {
                LOG.error("Spool message {} in {} at {} cannot be read ({}); it is discarded", entry.seq(),
                        entry.segment().file, entry.offset(), e.getMessage());
                mutex.lock();
                try {
                    if (inFlight.remove(entry.seq()) != null) {
                        IndexQueue.Slot slot = queues.find(entry.priority(), entry.seq());
                        if (slot != null) {
                            remove(slot, Records.DROPPED);
                            dropped++;
                        }
                    }
                } finally {
                    mutex.unlock();
                }
            }
        }
    }

    private void take(int max, Predicate<String> eligibleKey, long now, List<Taken> taken) {
        for (int p = 9; p >= 0 && taken.size() < max; p--) {
            queues.queue(p).forEach(slot -> {
                if (slot.state() != IndexQueue.QUEUED) {
                    return true;
                }
                if (slot.expired(now)) {
                    remove(slot, Records.EXPIRED);
                    expired++;
                } else if (eligibleKey.test(queues.key(slot))) {
                    slot.state(IndexQueue.IN_FLIGHT);
                    inFlight.put(slot.seq(), slot.priority());
                    taken.add(new Taken(slot.seq(), slot.priority(), files.segmentOf(slot.seq()), slot.offset(),
                            slot.length()));
                }
                return taken.size() < max;
            });
            queues.trim(p);
        }
    }

    /** Removes an in-flight message for good: the hub has it. Unknown sequences are ignored. */
    public void ack(long seq) {
        mutex.lock();
        try {
            Integer priority = inFlight.remove(seq);
            if (priority != null) {
                IndexQueue.Slot slot = queues.find(priority, seq);
                if (slot != null) {
                    remove(slot, Records.ACKED);
                }
                queues.trimIfPending();
            }
        } finally {
            mutex.unlock();
        }
    }

    /** Puts an in-flight message back in its place. Unknown sequences are ignored. */
    public void release(long seq) {
        mutex.lock();
        try {
            Integer priority = inFlight.remove(seq);
            if (priority != null) {
                IndexQueue.Slot slot = queues.find(priority, seq);
                if (slot != null && slot.state() == IndexQueue.IN_FLIGHT) {
                    slot.state(IndexQueue.QUEUED);
                }
                available.signalAll();
            }
        } finally {
            mutex.unlock();
        }
    }

    private void remove(IndexQueue.Slot slot, byte why) {
        long seq = slot.seq();
        messages--;
        bytes -= slot.payloadSize();
        queues.departed(slot);
        files.recordRemoval(seq, why, !closed);
    }

    /** Discards every queued message whose time to live ran out; for the maintenance timer. */
    public void expireNow() {
        mutex.lock();
        try {
            if (!closed) {
                expire(clock.millis());
            }
        } finally {
            mutex.unlock();
        }
    }

    private void expire(long now) {
        for (int p = 0; p < 10; p++) {
            queues.queue(p).forEach(slot -> {
                if (slot.state() == IndexQueue.QUEUED && slot.expired(now)) {
                    remove(slot, Records.EXPIRED);
                    expired++;
                }
                return true;
            });
            queues.trim(p);
        }
    }

    /**
     * Deletes the segments whose messages have all left, after a checkpoint that keeps what their
     * REMOVE records said about the other segments.
     */
    public void compact() {
        mutex.lock();
        try {
            if (closed || !files.hasDeadSegments()) {
                return;
            }
            files.deleteDeadSegments(Checkpoint.of(queues.liveSequences((int) messages), nextSeq - 1));
        } catch (IOException e) {
            LOG.warn("Spool compaction in {} failed, fully sent segments stay until the next try: {}", directory,
                    e.getMessage());
        } finally {
            mutex.unlock();
        }
    }

    /** @return a snapshot of the counters; no I/O */
    public SpoolStats stats() {
        mutex.lock();
        try {
            long now = clock.millis();
            long oldest = queues.oldestAcceptedAt(now);
            return new SpoolStats(messages, bytes, inFlight.size(), Duration.ofMillis(Math.max(0, now - oldest)),
                    settings.maxMessages(), settings.maxBytes(), dropped, expired, countersSince,
                    Instant.ofEpochMilli(now));
        } finally {
            mutex.unlock();
        }
    }

    /** @return up to {@code max} queued or in-flight messages in hand-out order, without their payloads */
    public List<String> peek(int max) {
        mutex.lock();
        try {
            return queues.describe(max);
        } finally {
            mutex.unlock();
        }
    }

    /** @return why the last write failed, or {@code null} if the last one succeeded */
    public String failure() {
        return files.failure();
    }

    public Path directory() {
        return directory;
    }

    public JournalSettings settings() {
        return settings;
    }

    /** Segments on disk (for tests and the command). */
    public int segmentCount() {
        mutex.lock();
        try {
            return files.count();
        } finally {
            mutex.unlock();
        }
    }

    private void ensureOpen() throws UpstreamException {
        if (closed) {
            throw new UpstreamException(Reason.CLOSED, "the spool in " + directory + " is closed");
        }
    }

    /** Syncs and closes the files; waiting {@link #next} calls return empty. Idempotent. */
    @Override
    public void close() {
        mutex.lock();
        try {
            if (closed) {
                return;
            }
            // A clean stop leaves no preallocated zeros behind.
            files.finish();
            closed = true;
            available.signalAll();
        } finally {
            mutex.unlock();
        }
        files.close();
    }
}
