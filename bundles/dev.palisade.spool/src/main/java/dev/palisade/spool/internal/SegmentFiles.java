package dev.palisade.spool.internal;

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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's files: the directory lock, the segments (which one a sequence's record is in,
 * how many of its messages are still held), appending records to the active segment, rolling to
 * a new one, group-committed syncs, cutting a failed write back, and deleting segments whose
 * messages have all left. Mutable state is guarded by the journal's lock, which is handed in;
 * {@link #sync} takes it only to snapshot what to sync and runs the {@code fsync} outside it.
 */
final class SegmentFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentFiles.class);
    private static final String LOCK_FILE = "lock";

    private final Path directory;
    private final JournalSettings settings;
    private final ReentrantLock mutex;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Object syncMonitor = new Object();
    private final List<Segment> segments = new ArrayList<>();
    /** Segments by the sequence of their first DATA record: which segment holds a sequence. */
    private final TreeMap<Long, Segment> byFirstSeq = new TreeMap<>();
    private Segment active;
    private long writes;
    private volatile long syncedWrites;
    private int unsyncedWrites;
    private int deadSegments;
    /** Why the last write failed, until one succeeds; shown as the spool's health. */
    private volatile String failure;
    private boolean removeWriteFailed;

    private SegmentFiles(Path directory, JournalSettings settings, ReentrantLock mutex, FileChannel lockChannel,
            FileLock lock) {
        this.directory = directory;
        this.settings = settings;
        this.mutex = mutex;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed and takes its lock file.
     *
     * @throws IOException if it cannot be used, or another journal holds it
     */
    static SegmentFiles lock(Path directory, JournalSettings settings, ReentrantLock mutex) throws IOException {
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
        return new SegmentFiles(directory, settings, mutex, lockChannel, lock);
    }

    /** Takes over the recovered segments and starts a new active one after them. */
    void adopt(List<Segment> recovered) {
        segments.addAll(recovered);
        for (Segment segment : recovered) {
            if (segment.firstSeq >= 0) {
                byFirstSeq.put(segment.firstSeq, segment);
            }
        }
        long nextId = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).id + 1;
        try {
            // One step up front (this runs while the gateway boots); the rest step by step as written.
            active = Segment.create(directory, nextId, allocationStep());
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
    }

    /**
     * Appends a DATA record (under the journal's lock).
     *
     * @return the record's offset in {@link #active()}
     */
    long appendData(ByteBuffer record, long seq, String topic) throws UpstreamException {
        int length = record.remaining();
        rollIfFull(length, topic);
        Segment segment = active;
        long offset = segment.size;
        try {
            segment.write(record, allocationStep());
        } catch (IOException e) {
            throw writeFailed(segment, offset, e, topic);
        }
        segment.size += length;
        segment.live++;
        if (segment.firstSeq < 0) {
            segment.firstSeq = seq;
            byFirstSeq.put(seq, segment);
        }
        failure = null;
        writes++;
        return offset;
    }

    /** @return the number of the last write, for {@link #sync} */
    long writes() {
        return writes;
    }

    /** @return whether the sync policy wants this append synced before it returns (counts the write) */
    boolean syncDue() {
        return settings.syncEveryMessage() || ++unsyncedWrites >= settings.syncCount();
    }

    Segment active() {
        return active;
    }

    /** @return the segment holding the DATA record of {@code seq} */
    Segment segmentOf(long seq) {
        Map.Entry<Long, Segment> entry = byFirstSeq.floorEntry(seq);
        if (entry == null) {
            throw new IllegalStateException("no segment holds sequence " + seq);
        }
        return entry.getValue();
    }

    /**
     * Records that message {@code seq} left (under the journal's lock): one message fewer in its
     * segment, and a REMOVE record unless the journal is closing. A failed write is logged once
     * and otherwise ignored: the message may be sent again after a restart.
     */
    void recordRemoval(long seq, byte why, boolean write) {
        Segment segment = segmentOf(seq);
        if (--segment.live == 0 && segment != active) {
            deadSegments++;
        }
        if (!write || active == null) {
            return;
        }
        try {
            active.write(Records.remove(seq, why), allocationStep());
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
                        seq, e.getMessage());
            }
            removeWriteFailed = true;
        }
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
     * Makes every write up to {@code writeNumber} durable; several producers share one fsync.
     * Called without the journal's lock.
     */
    void sync(long writeNumber, String topic) throws UpstreamException {
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

    /** @return whether some segment other than the active one has no message left */
    boolean hasDeadSegments() {
        return deadSegments > 0;
    }

    /**
     * Deletes the segments whose messages have all left (under the journal's lock), after
     * {@code checkpoint} was written: it keeps what their REMOVE records said about the others.
     */
    void deleteDeadSegments(Checkpoint checkpoint) throws IOException {
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
                if (segment.firstSeq >= 0) {
                    byFirstSeq.remove(segment.firstSeq);
                }
            }
        }
        deadSegments = 0;
        Checkpoint.syncDirectory(directory);
        SpaceReserve.ensure(directory);
    }

    /** @return why the last write failed, or {@code null} if the last one succeeded */
    String failure() {
        return failure;
    }

    int count() {
        return segments.size();
    }

    private long allocationStep() {
        return Math.min(settings.segmentBytes(), Journal.ALLOCATION_STEP);
    }

    /** Cuts the active segment's preallocated zeros off and syncs it (a clean stop; under the lock). */
    void finish() {
        if (active != null) {
            try {
                active.channel.truncate(active.size);
                active.channel.force(false);
            } catch (IOException e) {
                LOG.warn("Spool: final sync of {} failed: {}", active.file, e.getMessage());
            }
        }
    }

    /** Closes every segment and releases the directory lock. */
    void close() {
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
