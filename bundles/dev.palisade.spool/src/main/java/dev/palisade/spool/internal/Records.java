package dev.palisade.spool.internal;

import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * The on-disk record format of a journal segment. Every record is framed so that a torn or
 * truncated write, a zero-filled tail (what ext4 can show after a power cut) or random garbage
 * is recognised and never decoded as a message:
 *
 * <pre>
 *   int  bodyLength      length of the body that follows the 9-byte header
 *   int  crc32c          CRC-32C over bodyLength, type and body (everything but this field)
 *   byte type            {@link #DATA} or {@link #REMOVE}
 *   body
 * </pre>
 *
 * A DATA body is {@code long seq, byte priority, long acceptedAtMillis, long expiresAtMillis
 * (0 = never), short keyLength, key (UTF-8), short topicLength, topic (UTF-8), int
 * payloadLength, payload}; a REMOVE body is {@code long seq, byte why}. All big-endian.
 */
final class Records {

    static final int HEADER = 9;
    static final byte DATA = 1;
    static final byte REMOVE = 2;
    static final int REMOVE_RECORD = HEADER + 9;

    /** Why a message left: acknowledged by the hub, dropped by the overflow policy, expired. */
    static final byte ACKED = 1;
    static final byte DROPPED = 2;
    static final byte EXPIRED = 3;

    /** No record body is larger: anything claiming more is garbage. */
    static final int MAX_BODY = 16 * 1024 * 1024;

    private Records() {
    }

    /** A decoded DATA record, without its payload unless asked for. */
    record Data(long seq, int priority, long acceptedAt, long expiresAt, String key, String topic,
            byte[] payload, int payloadSize) {
    }

    static ByteBuffer data(long seq, int priority, long acceptedAt, long expiresAt, String key, String topic,
            byte[] payload) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        if (k.length > Short.MAX_VALUE || t.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("key or topic longer than " + Short.MAX_VALUE + " bytes: " + topic);
        }
        int body = 8 + 1 + 8 + 8 + 2 + k.length + 2 + t.length + 4 + payload.length;
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + body);
        buffer.putInt(body).putInt(0).put(DATA);
        buffer.putLong(seq).put((byte) priority).putLong(acceptedAt).putLong(expiresAt);
        buffer.putShort((short) k.length).put(k).putShort((short) t.length).put(t);
        buffer.putInt(payload.length).put(payload);
        return seal(buffer);
    }

    static ByteBuffer remove(long seq, byte why) {
        ByteBuffer buffer = ByteBuffer.allocate(REMOVE_RECORD);
        buffer.putInt(9).putInt(0).put(REMOVE).putLong(seq).put(why);
        return seal(buffer);
    }

    private static ByteBuffer seal(ByteBuffer buffer) {
        buffer.putInt(4, crc(buffer.array(), 0, buffer.capacity()));
        return buffer.flip();
    }

    /** CRC-32C of a whole record in {@code bytes[from, from+length)}, skipping its crc field. */
    static int crc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, 4);
        crc.update(bytes, from + 8, length - 8);
        return (int) crc.getValue();
    }

    /**
     * @param record a whole record (header and body), positioned at 0
     * @return whether its CRC matches and its type is known
     */
    static boolean valid(ByteBuffer record) {
        int body = record.getInt(0);
        byte type = record.get(8);
        if (body < 0 || body + HEADER != record.remaining() || (type != DATA && type != REMOVE)) {
            return false;
        }
        return record.getInt(4) == crc(record.array(), record.arrayOffset(), record.remaining());
    }

    /** @param record a valid DATA record; @param withPayload whether to copy the payload out */
    static Data decodeData(ByteBuffer record, boolean withPayload) {
        ByteBuffer b = record.duplicate().position(HEADER);
        long seq = b.getLong();
        int priority = b.get();
        long acceptedAt = b.getLong();
        long expiresAt = b.getLong();
        String key = string(b, b.getShort());
        String topic = string(b, b.getShort());
        int size = b.getInt();
        byte[] payload = null;
        if (withPayload) {
            payload = new byte[size];
            b.get(payload);
        }
        if (priority < 0 || priority > 9 || size < 0) {
            throw new IllegalStateException("record " + seq + " has a valid checksum but priority " + priority
                    + " and size " + size);
        }
        return new Data(seq, priority, acceptedAt, expiresAt, key, topic, payload, size);
    }

    /**
     * @param record a record read back for hand-out
     * @param seq the sequence the index expects in it
     * @return the message, checked again (the disk may have changed it since it was written)
     * @throws IOException if it is not that sequence's intact DATA record
     */
    static SpoolEntry entry(ByteBuffer record, long seq) throws IOException {
        if (!valid(record) || record.get(8) != DATA) {
            throw new IOException("record fails its checksum");
        }
        Data data = decodeData(record, true);
        if (data.seq() != seq) {
            throw new IOException("record holds sequence " + data.seq());
        }
        return new SpoolEntry(seq, new SpoolMessage(data.key(), data.topic(), data.payload(), data.priority(),
                Instant.ofEpochMilli(data.acceptedAt()),
                data.expiresAt() == 0 ? null : Instant.ofEpochMilli(data.expiresAt())));
    }

    private static String string(ByteBuffer b, short length) {
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
