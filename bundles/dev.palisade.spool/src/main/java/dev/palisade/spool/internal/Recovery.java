package dev.palisade.spool.internal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the journal's state from its directory: reads the checkpoint, replays every segment in
 * write order, keeps each DATA record that no checkpoint range and no later REMOVE record took
 * out, and cuts each segment at its first record that is incomplete or fails its checksum (a torn
 * last write). Nothing after such a cut is ever handed out.
 */
final class Recovery {

    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    /** What the directory held; its messages went into the queues handed to {@link #recover}. */
    record State(List<Segment> segments, long messages, long bytes, long lastSeq, long discardedBytes, int recordsRead) {
    }

    private Recovery() {
    }

    private static boolean zeros(Segment segment, long from, long to) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        for (long at = from; at < to;) {
            buffer.clear();
            int n = segment.channel.read(buffer, at);
            if (n <= 0) {
                return true;
            }
            for (int i = 0; i < n; i++) {
                if (buffer.get(i) != 0) {
                    return false;
                }
            }
            at += n;
        }
        return true;
    }

    /**
     * Replays the directory into {@code queues}. Records come in sequence order, so every DATA
     * record goes to the end of its priority's queue and a REMOVE record finds its message by
     * binary search: no per-message object, and no more heap than the index itself needs.
     */
    static State recover(Path directory, PriorityQueues queues) throws IOException {
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.read(directory);
        } catch (IOException e) {
            // Rename makes the checkpoint whole or absent; a bad one is media damage. Without it,
            // acknowledged messages in remaining segments may be sent again: duplicates, not loss.
            LOG.error("Spool checkpoint unusable, messages acknowledged before it may be sent again: {}", e.getMessage());
            checkpoint = Checkpoint.empty();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + Segment.SUFFIX)) {
            for (Path file : stream) {
                if (Segment.idOf(file) >= 0) {
                    files.add(file);
                }
            }
        }
        files.sort(Comparator.comparingLong(Segment::idOf));
        List<Segment> segments = new ArrayList<>();
        TreeMap<Long, Segment> byFirstSeq = new TreeMap<>();
        long messages = 0;
        long lastSeq = checkpoint.lastSeq;
        long discarded = 0;
        int records = 0;
        long size = 0;
        long lastRead = -1;
        for (int i = 0; i < files.size(); i++) {
            Segment segment = Segment.open(files.get(i), Segment.idOf(files.get(i)));
            segments.add(segment);
            long fileSize = segment.size;
            long valid = 0;
            // Not closed: closing the stream would close the segment's channel, which stays open.
            DataInputStream in = new DataInputStream(new BufferedInputStream(
                    Channels.newInputStream(segment.channel.position(0)), 1 << 16));
            {
                byte[] header = new byte[Records.HEADER];
                while (true) {
                    try {
                        in.readFully(header);
                    } catch (EOFException end) {
                        break;
                    }
                    int body = ByteBuffer.wrap(header).getInt();
                    if (body < 0 || body > Records.MAX_BODY || valid + Records.HEADER + body > fileSize) {
                        break;
                    }
                    byte[] bytes = new byte[Records.HEADER + body];
                    System.arraycopy(header, 0, bytes, 0, Records.HEADER);
                    in.readFully(bytes, Records.HEADER, body);
                    ByteBuffer record = ByteBuffer.wrap(bytes);
                    if (!Records.valid(record)) {
                        break;
                    }
                    records++;
                    if (record.get(8) == Records.DATA) {
                        Records.Data data = Records.decodeData(record, false);
                        lastSeq = Math.max(lastSeq, data.seq());
                        if (data.seq() <= lastRead) {
                            throw new IOException("segment " + segment.file + " holds sequence " + data.seq()
                                    + " after " + lastRead + ": records out of order");
                        }
                        lastRead = data.seq();
                        if (segment.firstSeq < 0) {
                            segment.firstSeq = data.seq();
                            byFirstSeq.put(data.seq(), segment);
                        }
                        if (!checkpoint.removed(data.seq())) {
                            queues.add(data.seq(), data.priority(), data.key(), data.acceptedAt(), data.expiresAt(),
                                    valid, bytes.length, data.payloadSize());
                            segment.live++;
                            messages++;
                            size += data.payloadSize();
                        }
                    } else {
                        long seq = record.getLong(Records.HEADER);
                        IndexQueue.Slot slot = queues.find(seq);
                        if (slot != null && slot.state() != IndexQueue.GONE) {
                            size -= slot.payloadSize();
                            messages--;
                            queues.departed(slot);
                            byFirstSeq.floorEntry(seq).getValue().live--;
                        }
                    }
                    if (records % 65_536 == 0) {
                        queues.trimIfPending();
                    }
                    valid += bytes.length;
                }
            }
            if (valid < fileSize && zeros(segment, valid, fileSize)) {
                // The preallocated, never written rest of a segment: nothing was torn.
                segment.channel.truncate(valid);
            } else if (valid < fileSize) {
                discarded += fileSize - valid;
                if (i == files.size() - 1) {
                    LOG.warn("Spool segment {}: discarding {} bytes of a torn last write at offset {} (power cut or"
                            + " crash while writing); every complete record before it is kept",
                            segment.file, fileSize - valid, valid);
                } else {
                    LOG.error("Spool segment {}: record at offset {} is damaged; discarding the {} bytes after it."
                            + " Check the storage for media errors", segment.file, valid, fileSize - valid);
                }
                segment.channel.truncate(valid);
                segment.channel.force(true);
            }
            segment.size = valid;
        }
        queues.trimIfPending();
        return new State(segments, messages, size, lastSeq, discarded, records);
    }
}
