package dev.palisade.spool.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The sequences that have left the spool, as ranges, written before any segment is deleted: a
 * deleted segment may hold the REMOVE records of messages in segments that remain, and the
 * checkpoint keeps that knowledge. Written to a temporary file, synced, renamed over the old one
 * and the directory synced, so it is always the old or the new one whole.
 *
 * <pre>
 *   int magic 'PSCK', int version 1, long lastSeq, int n, n x (long from, long to), int crc32c
 * </pre>
 */
final class Checkpoint {

    static final String FILE = "checkpoint";
    private static final int MAGIC = 0x5053434b;

    /** The highest sequence ever handed out when the checkpoint was written. */
    final long lastSeq;
    /** Inclusive ranges, sorted, disjoint: {@code from0, to0, from1, to1, ...}. */
    private final long[] ranges;

    Checkpoint(long lastSeq, long[] ranges) {
        this.lastSeq = lastSeq;
        this.ranges = ranges;
    }

    static Checkpoint empty() {
        return new Checkpoint(0, new long[0]);
    }

    /** @return whether {@code seq} left the spool before the checkpoint */
    boolean removed(long seq) {
        int low = 0;
        int high = ranges.length / 2 - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (seq < ranges[2 * mid]) {
                high = mid - 1;
            } else if (seq > ranges[2 * mid + 1]) {
                low = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    int rangeCount() {
        return ranges.length / 2;
    }

    /**
     * @param liveSorted the sequences still in the spool, ascending
     * @param lastSeq the highest sequence handed out so far
     * @return the checkpoint whose removed ranges are every other sequence in {@code [1, lastSeq]}
     */
    static Checkpoint of(long[] liveSorted, long lastSeq) {
        long[] out = new long[2 * (liveSorted.length + 1)];
        int n = 0;
        long next = 1;
        for (long live : liveSorted) {
            if (live > next) {
                out[n++] = next;
                out[n++] = live - 1;
            }
            next = live + 1;
        }
        if (next <= lastSeq) {
            out[n++] = next;
            out[n++] = lastSeq;
        }
        return new Checkpoint(lastSeq, Arrays.copyOf(out, n));
    }

    /** @return the checkpoint in {@code directory}, empty if none; a damaged one is an IOException */
    static Checkpoint read(Path directory) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(FILE));
        } catch (NoSuchFileException e) {
            return empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 24 || b.getInt() != MAGIC || b.getInt() != 1) {
            throw new IOException(directory.resolve(FILE) + " is not a spool checkpoint");
        }
        long lastSeq = b.getLong();
        int n = b.getInt();
        if (n < 0 || bytes.length != 24 + 16L * n) {
            throw new IOException(directory.resolve(FILE) + " has a wrong length for " + n + " ranges");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        long[] ranges = new long[2 * n];
        for (int i = 0; i < ranges.length; i++) {
            ranges[i] = b.getLong();
        }
        if (b.getInt() != (int) crc.getValue()) {
            throw new IOException(directory.resolve(FILE) + " fails its checksum");
        }
        return new Checkpoint(lastSeq, ranges);
    }

    void write(Path directory) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 8 * ranges.length);
        b.putInt(MAGIC).putInt(1).putLong(lastSeq).putInt(ranges.length / 2);
        for (long r : ranges) {
            b.putLong(r);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path temporary = directory.resolve(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(directory);
    }

    /** Makes a created, renamed or deleted name in {@code directory} durable (Linux: fsync the directory). */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
