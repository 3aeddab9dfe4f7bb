package dev.palisade.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * One append-only file of the journal, named by its id ({@code 00000000000000000007.seg}). Only
 * the newest segment is appended to; older ones are read (to hand messages out) and deleted once
 * every message in them has left the spool. Mutable state is guarded by the journal's lock;
 * {@link #read} is positional and may run concurrently with appends.
 */
final class Segment {

    static final String SUFFIX = ".seg";
    static final int ZERO_CHUNK = 64 * 1024;

    final long id;
    final Path file;
    /** Replaced only by {@link #read} when another thread's interrupt closed it (see there). */
    volatile FileChannel channel;
    /** Set by {@link #close}: the journal let go of this segment, so it is never reopened. */
    private volatile boolean closedForGood;
    /** Bytes of valid records; the next record goes here. */
    long size;
    /** Messages in this segment that are still in the spool. */
    int live;
    /** Sequence of the first DATA record in this segment, or -1 while it has none. */
    long firstSeq = -1;
    /** End of the zero-filled, allocated region: writes below it change no file size. */
    long allocated;

    private Segment(long id, Path file, FileChannel channel, long size) {
        this.id = id;
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.allocated = size;
    }

    static Path fileOf(Path directory, long id) {
        return directory.resolve(String.format(Locale.ROOT, "%020d%s", id, SUFFIX));
    }

    /** @return the id of a segment file name, or -1 if the name is not one */
    static long idOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates a segment whose blocks are written (zeros) and synced up front: an append then
     * overwrites allocated blocks without changing the file's size, so its {@code fdatasync} does
     * not have to commit file-system metadata (on ext4 that halves the cost of a sync). The zero
     * tail reads as "no more records" on recovery.
     */
    static Segment create(Path directory, long id, long preallocate) throws IOException {
        Path file = fileOf(directory, id);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            // Small chunks: the JDK keeps a direct buffer as large as the largest write per thread.
            ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(preallocate, ZERO_CHUNK));
            for (long at = 0; at < preallocate;) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), preallocate - at));
                at += channel.write(zeros, at);
            }
            channel.force(true);
        } catch (IOException e) {
            // Not enough room to preallocate (a nearly full disk): grow as written instead.
            try {
                channel.truncate(0);
                channel.force(true);
            } catch (IOException again) {
                channel.close();
                java.nio.file.Files.deleteIfExists(file);
                throw again;
            }
        }
        Segment segment = new Segment(id, file, channel, 0);
        segment.allocated = channel.size();
        return segment;
    }

    static Segment open(Path file, long id) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Segment(id, file, channel, channel.size());
    }

    /**
     * Writes a whole record at {@link #size}; the caller advances {@code size} on success. Past
     * the allocated region, first zero-fills the next {@code step} bytes (no sync: the next sync
     * of a record commits the new size once, the following ones find it allocated).
     */
    void write(ByteBuffer record, long step) throws IOException {
        long end = size + record.remaining();
        if (end > allocated) {
            long target = Math.max(end, allocated + step);
            ByteBuffer zeros = ByteBuffer.allocate(ZERO_CHUNK);
            try {
                for (long at = allocated; at < target;) {
                    zeros.clear().limit((int) Math.min(ZERO_CHUNK, target - at));
                    at += channel.write(zeros, at);
                }
                allocated = target;
            } catch (IOException full) {
                // No room for a whole step (a nearly full disk): write the record alone, if it fits.
                channel.truncate(Math.max(size, allocated));
            }
        }
        long position = size;
        while (record.hasRemaining()) {
            position += channel.write(record, position);
        }
    }

    /**
     * @return the record of {@code length} bytes at {@code offset}
     * @throws IOException if it cannot be read, or the journal has closed this segment
     */
    ByteBuffer read(long offset, int length) throws IOException {
        try {
            return readOnce(offset, length);
        } catch (ClosedChannelException e) {
            // A FileChannel is closed for every thread when one thread is interrupted inside its
            // I/O (NIO's interruptible channels); the records are intact on disk: reopen and retry.
            reopen(e);
            return readOnce(offset, length);
        }
    }

    private synchronized void reopen(ClosedChannelException cause) throws IOException {
        if (closedForGood) {
            throw cause;
        }
        if (!channel.isOpen()) {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    /** Closes the file for good (the journal closes, or the segment is deleted). */
    synchronized void close() throws IOException {
        closedForGood = true;
        channel.close();
    }

    private ByteBuffer readOnce(long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long position = offset;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("segment " + file + " ends at " + position + ", inside the record at " + offset);
            }
            position += n;
        }
        return buffer.flip();
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
