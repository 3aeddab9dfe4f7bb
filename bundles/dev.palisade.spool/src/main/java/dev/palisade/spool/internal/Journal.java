package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.SpoolStats;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.api.upstream.UpstreamException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's journal: append-only segment files of CRC-framed records, an in-memory index of
 * the messages held (their payloads stay on disk), a checkpoint of removed sequences, and
 * deletion of segments whose messages have all left.
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
    private static final String LOCK_FILE = "lock";
    /** Segments are zero-filled this far ahead of the writer (see {@link Segment#write}). */
    static final long ALLOCATION_STEP = 1 << 20;
    /** How far sequences jump at every start: more than any sync group can lose. */
    static final long SEQUENCE_GAP_AT_START = 1L << 20;

    private final Path directory;
    private final JournalSettings settings;
    private final Clock clock;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private final ReentrantLock mutex = new ReentrantLock();
    private final Condition available = mutex.newCondition();
    private final Object syncMonitor = new Object();
    private final PriorityQueues queues = new PriorityQueues();
    private final Map<Long, Entry> inFlight = new HashMap<>();
    private final Map<String, String> keys = new HashMap<>();
    private final List<Segment> segments = new ArrayList<>();
    private Segment active;
    private long nextSeq;
    private long messages;
    private long bytes;
    private long dropped;
    private long expired;
    private long writes;
    private volatile long syncedWrites;
    private int unsyncedWrites;
    private int deadSegments;
    private boolean closed;
    private final Instant countersSince;
    /** Why the last write failed, until one succeeds; shown as the spool's health. */
    private volatile String failure;
    private volatile boolean removeWriteFailed;

    private Journal(Path directory, JournalSettings settings, Clock clock, FileChannel lockChannel, FileLock lock) {
        this.directory = directory;
        this.settings = settings;
        this.clock = clock;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.countersSince = clock.instant();
    }

    /**
     * Opens (creating if needed) the journal in {@code directory}, recovering what it holds.
     *
     * @throws IOException if the directory cannot be used, or another journal has it open
     */
    public static Journal open(Path directory, JournalSettings settings, Clock clock) throws IOException {
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("spool directory " + directory + " is in use by another spool (its lock file is held)");
        }
        Journal journal = new Journal(directory, settings, clock, lockChannel, lock);
        try {
            journal.recover();
        } catch (IOException | RuntimeException e) {
            journal.closeFiles();
            throw e;
        }
        return journal;
    }

    private void recover() throws IOException {
        long started = System.nanoTime();
        Recovery.State state = Recovery.recover(directory, this::intern);
        segments.addAll(state.segments());
        for (Entry entry : state.live()) {
            queues.add(entry);
            messages++;
            bytes += entry.size;
        }
        // A record written but not yet synced when the power went is gone, and its number with it;
        // jumping ahead at every start means such a number is never handed out twice.
        nextSeq = state.lastSeq() + SEQUENCE_GAP_AT_START;
        long nextId = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).id + 1;
        active = null;
        try {
            // One step up front (this runs while the gateway boots); the rest step by step as written.
            active = Segment.create(directory, nextId, Math.min(settings.segmentBytes(), ALLOCATION_STEP));
            segments.add(active);
            Checkpoint.syncDirectory(directory);
        } catch (IOException e) {
            // Start anyway: what is held can still be drained (which frees space); appends say NO_SPACE.
            LOG.warn("Spool: cannot start a new segment in {} ({}); appends fail until there is space",
                    directory, e.getMessage());
        }
        for (Segment segment : segments) {
            if (segment != active && segment.live == 0) {
                deadSegments++;
            }
        }
        SpaceReserve.ensure(directory);
        compact();
        LOG.info("Spool {} opened: {} messages ({} payload bytes) in {} segment(s), {} records read in {} ms,"
                + " {} torn bytes discarded; power-cut loss window {}", directory, messages, bytes, segments.size(),
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
        Segment segment;
        mutex.lock();
        try {
            ensureOpen();
            List<Entry> victims = makeRoom(message, size);
            seq = nextSeq;
            ByteBuffer record = Records.data(seq, message.priority(), acceptedAt, expiresAt, message.key(),
                    message.topic(), message.payload());
            int length = record.remaining();
            rollIfFull(length, message.topic());
            segment = active;
            long offset = segment.size;
            try {
                segment.write(record, allocationStep());
            } catch (IOException e) {
                throw writeFailed(segment, offset, e, message.topic());
            }
            segment.size += length;
            failure = null;
            nextSeq++;
            writeNumber = ++writes;
            Entry entry = new Entry(seq, intern(message.key()), message.priority(), acceptedAt, expiresAt, segment,
                    offset, length, size);
            segment.live++;
            queues.add(entry);
            messages++;
            bytes += size;
            for (Entry victim : victims) {
                remove(victim, Records.DROPPED);
                dropped++;
            }
            queues.trimIfPending();
            available.signalAll();
            if (!settings.syncEveryMessage() && ++unsyncedWrites < settings.syncCount()) {
                return seq;
            }
        } finally {
            mutex.unlock();
        }
        sync(writeNumber, message.topic());
        return seq;
    }

    /** What the overflow policy removes to fit a message of {@code size} bytes; nothing removed yet. */
    private List<Entry> makeRoom(SpoolMessage message, int size) throws UpstreamException {
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
        List<Entry> victims = queues.oldestQueued(message.priority(), needMessages, needBytes);
        if (victims == null) {
            throw new UpstreamException(Reason.SPOOL_FULL, full + " of messages more urgent than priority "
                    + message.priority() + " or in flight to the hub; message for '" + message.topic()
                    + "' not accepted");
        }
        return victims;
    }

    private UpstreamException writeFailed(Segment segment, long offset, IOException e, String topic) {
        try {
            // A partial record must not stay in front of the next one.
            segment.channel.truncate(offset);
            segment.allocated = offset;
        } catch (IOException again) {
            LOG.warn("Spool segment {}: cannot cut a failed write back to {} ({}); starting a new segment",
                    segment.file, offset, again.getMessage());
            active = null;
        }
        boolean full = StorageFailures.noSpace(e, directory, settings.maxMessageBytes());
        String why = (full ? "no space left on the file system of " : "cannot write to ") + segment.file + ": "
                + e.getMessage() + "; message for '" + topic + "' not accepted, messages already accepted are kept";
        failure = why;
        return new UpstreamException(full ? Reason.NO_SPACE : Reason.STORAGE_ERROR, why, e);
    }

    /** Makes every write up to {@code writeNumber} durable; several producers share one fsync. */
    private void sync(long writeNumber, String topic) throws UpstreamException {
        synchronized (syncMonitor) {
            if (syncedWrites >= writeNumber) {
                return;
            }
            Segment segment;
            long target;
            mutex.lock();
            try {
                segment = active;
                target = writes;
                unsyncedWrites = 0;
            } finally {
                mutex.unlock();
            }
            if (segment == null) {
                return;
            }
            try {
                segment.channel.force(false);
                syncedWrites = target;
            } catch (IOException e) {
                failure = "cannot sync " + segment.file + ": " + e.getMessage();
                throw new UpstreamException(Reason.STORAGE_ERROR, "message for '" + topic + "' written to "
                        + segment.file + " but not made durable: " + e.getMessage(), e);
            }
        }
    }

    /** Makes every record written so far durable (acknowledgements included); for the sync timer. */
    public void syncNow() {
        long target;
        mutex.lock();
        try {
            target = writes;
        } finally {
            mutex.unlock();
        }
        try {
            sync(target, "(periodic sync)");
        } catch (UpstreamException e) {
            LOG.warn("Spool periodic sync failed: {}", e.getMessage());
        }
    }

    private void rollIfFull(int length, String topic) throws UpstreamException {
        if (active != null && (active.size == 0 || active.size + length <= settings.segmentBytes())) {
            return;
        }
        try {
            if (active != null) {
                active.channel.force(false);
                syncedWrites = writes;
                if (active.live == 0) {
                    deadSegments++;
                }
            }
            long id = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).id + 1;
            Segment next = Segment.create(directory, id, allocationStep());
            segments.add(next);
            active = next;
            Checkpoint.syncDirectory(directory);
        } catch (IOException e) {
            boolean full = StorageFailures.noSpace(e, directory, settings.maxMessageBytes());
            failure = (full ? "no space left on the file system of " : "cannot write to ") + directory
                    + ": cannot start a new segment: " + e.getMessage() + "; message for '" + topic
                    + "' not accepted, messages already accepted are kept";
            throw new UpstreamException(full ? Reason.NO_SPACE : Reason.STORAGE_ERROR, failure, e);
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
        List<Entry> taken = new ArrayList<>();
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

    private void readAll(List<Entry> taken, List<SpoolEntry> out) {
        for (Entry entry : taken) {
            try {
                out.add(read(entry));
            } catch (IOException | RuntimeException e) {
                LOG.error("Spool message {} in {} at {} cannot be read ({}); it is discarded", entry.seq,
                        entry.segment.file, entry.offset, e.getMessage());
                mutex.lock();
                try {
                    if (inFlight.remove(entry.seq) != null) {
                        remove(entry, Records.DROPPED);
                        dropped++;
                    }
                } finally {
                    mutex.unlock();
                }
            }
        }
    }

    private void take(int max, Predicate<String> eligibleKey, long now, List<Entry> taken) {
        for (int p = 9; p >= 0 && taken.size() < max; p--) {
            for (Entry entry : queues.queue(p)) {
                if (entry.state != Entry.QUEUED) {
                    continue;
                }
                if (entry.expired(now)) {
                    remove(entry, Records.EXPIRED);
                    expired++;
                } else if (eligibleKey.test(entry.key)) {
                    entry.state = Entry.IN_FLIGHT;
                    inFlight.put(entry.seq, entry);
                    taken.add(entry);
                    if (taken.size() == max) {
                        break;
                    }
                }
            }
            queues.trim(p);
        }
    }

    private SpoolEntry read(Entry entry) throws IOException {
        return Records.entry(entry.segment.read(entry.offset, entry.length), entry.seq);
    }

    /** Removes an in-flight message for good: the hub has it. Unknown sequences are ignored. */
    public void ack(long seq) {
        mutex.lock();
        try {
            Entry entry = inFlight.remove(seq);
            if (entry != null) {
                remove(entry, Records.ACKED);
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
            Entry entry = inFlight.remove(seq);
            if (entry != null) {
                entry.state = Entry.QUEUED;
                available.signalAll();
            }
        } finally {
            mutex.unlock();
        }
    }

    private void remove(Entry entry, byte why) {
        entry.state = Entry.GONE;
        queues.departed(entry);
        messages--;
        bytes -= entry.size;
        if (--entry.segment.live == 0 && entry.segment != active) {
            deadSegments++;
        }
        if (!closed && active != null) {
            try {
                ByteBuffer record = Records.remove(entry.seq, why);
                active.write(record, allocationStep());
                active.size += Records.REMOVE_RECORD;
                writes++;
                removeWriteFailed = false;
            } catch (IOException e) {
                try {
                    active.channel.truncate(active.size);
                    active.allocated = active.size;
                } catch (IOException ignored) {
                    active = null; // the next append starts a new segment
                }
                if (!removeWriteFailed) {
                    LOG.warn("Spool cannot record that message {} left ({}); after a restart it may be sent again",
                            entry.seq, e.getMessage());
                }
                removeWriteFailed = true;
            }
        }
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
            for (Entry entry : queues.queue(p)) {
                if (entry.state == Entry.QUEUED && entry.expired(now)) {
                    remove(entry, Records.EXPIRED);
                    expired++;
                }
            }
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
            if (closed || deadSegments == 0) {
                return;
            }
            Checkpoint checkpoint = Checkpoint.of(queues.liveSequences((int) messages), nextSeq - 1);
            try {
                checkpoint.write(directory);
            } catch (IOException full) {
                // On a full disk the checkpoint that frees space needs space: use the reserve.
                if (!SpaceReserve.release(directory)) {
                    throw full;
                }
                LOG.warn("Spool: file system of {} is full ({}); used the reserve to checkpoint and free sent"
                        + " segments", directory, full.getMessage());
                checkpoint.write(directory);
            }
            for (Iterator<Segment> it = segments.iterator(); it.hasNext();) {
                Segment segment = it.next();
                if (segment != active && segment.live == 0) {
                    segment.close();
                    Files.deleteIfExists(segment.file);
                    it.remove();
                }
            }
            deadSegments = 0;
            Checkpoint.syncDirectory(directory);
            SpaceReserve.ensure(directory);
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
        return failure;
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
            return segments.size();
        } finally {
            mutex.unlock();
        }
    }

    private long allocationStep() {
        return Math.min(settings.segmentBytes(), ALLOCATION_STEP);
    }

    private void ensureOpen() throws UpstreamException {
        if (closed) {
            throw new UpstreamException(Reason.CLOSED, "the spool in " + directory + " is closed");
        }
    }

    private String intern(String key) {
        return keys.computeIfAbsent(key, k -> k);
    }

    /** Syncs and closes the files; waiting {@link #next} calls return empty. Idempotent. */
    @Override
    public void close() {
        mutex.lock();
        try {
            if (closed) {
                return;
            }
            if (active != null) {
                try {
                    // A clean stop leaves no preallocated zeros behind.
                    active.channel.truncate(active.size);
                    active.channel.force(false);
                } catch (IOException e) {
                    LOG.warn("Spool: final sync of {} failed: {}", active.file, e.getMessage());
                }
            }
            closed = true;
            available.signalAll();
        } finally {
            mutex.unlock();
        }
        closeFiles();
    }

    private void closeFiles() {
        for (Segment segment : segments) {
            try {
                segment.close();
            } catch (IOException e) {
                LOG.debug("closing {}", segment.file, e);
            }
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.debug("releasing the spool lock", e);
        }
    }
}
