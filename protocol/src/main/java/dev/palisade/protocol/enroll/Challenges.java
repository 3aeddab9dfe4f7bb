package dev.palisade.protocol.enroll;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Hub → gateway, the answer to an {@link EnrollRequest} ({@code docs/protocol.md} §4.2): one
 * entry per requested child, in the request's order, each a challenge or a refusal.
 *
 * @param hub the hub's id, which every signed byte string binds
 * @param gateway the gateway's id as the hub authenticated it
 * @param entries 1..{@link Wire#MAX_BATCH} entries
 */
public record Challenges(String hub, String gateway, List<Entry> entries) {

    /** The message type on the wire. */
    public static final String TYPE = "challenges";

    /** Validates the fields and copies the list. */
    public Challenges {
        requireId(hub, "hub");
        requireId(gateway, "gateway");
        entries = List.copyOf(entries);
        if (entries.isEmpty() || entries.size() > Wire.MAX_BATCH) {
            throw new IllegalArgumentException("a challenges answer has 1.." + Wire.MAX_BATCH + " entries, not " + entries.size());
        }
    }

    /**
     * One child's answer: either a challenge ({@code enrollment}, {@code nonce}, {@code expires}
     * set, {@code refused} null) or a refusal ({@code refused} set, the others null).
     *
     * @param child the child's id
     * @param enrollment the enrollment id, {@link Wire#ENROLLMENT_ID_BYTES} random bytes
     * @param nonce {@link Wire#NONCE_BYTES} random bytes, single use
     * @param expires when the hub stops accepting a proof for this challenge
     * @param refused the reason, for a refusal
     * @param detail one line for a person, for a refusal; may be empty
     */
    public record Entry(String child, byte[] enrollment, byte[] nonce, Instant expires, Reason refused, String detail) {

        /** Validates that the entry is exactly a challenge or exactly a refusal; copies the bytes. */
        public Entry {
            requireId(child, "child");
            if (refused == null) {
                Objects.requireNonNull(expires, "expires");
                if (enrollment == null || enrollment.length != Wire.ENROLLMENT_ID_BYTES || nonce == null
                        || nonce.length != Wire.NONCE_BYTES || detail != null) {
                    throw new IllegalArgumentException("challenge for '" + child + "' needs a "
                            + Wire.ENROLLMENT_ID_BYTES + "-byte enrollment id and a " + Wire.NONCE_BYTES + "-byte nonce, and no detail");
                }
                enrollment = enrollment.clone();
                nonce = nonce.clone();
            } else if (enrollment != null || nonce != null || expires != null || detail == null || detail.length() > Wire.MAX_DETAIL) {
                throw new IllegalArgumentException("refusal for '" + child + "' has a reason and a detail (≤ "
                        + Wire.MAX_DETAIL + " characters) only");
            }
        }

        /** @return a challenge entry */
        public static Entry challenge(String child, byte[] enrollment, byte[] nonce, Instant expires) {
            return new Entry(child, enrollment, nonce, expires, null, null);
        }

        /** @return a refusal entry */
        public static Entry refusal(String child, Reason reason, String detail) {
            return new Entry(child, null, null, null, Objects.requireNonNull(reason, "reason"), Fields.abbreviateDetail(detail));
        }

        /** @return a copy of the enrollment id, or null for a refusal */
        @Override
        public byte[] enrollment() {
            return enrollment == null ? null : enrollment.clone();
        }

        /** @return a copy of the nonce, or null for a refusal */
        @Override
        public byte[] nonce() {
            return nonce == null ? null : nonce.clone();
        }
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        JsonWriter w = new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE)
                .field("hub", hub).field("gateway", gateway).beginArray("entries");
        for (Entry e : entries) {
            w.begin().field("child", e.child());
            if (e.refused() == null) {
                w.field("enrollment", Fields.encode(e.enrollment)).field("nonce", Fields.encode(e.nonce))
                        .field("expires", e.expires().toString());
            } else {
                w.field("refused", e.refused().name()).field("detail", e.detail());
            }
            w.end();
        }
        return w.endArray().end().toBytes();
    }

    /**
     * @param json a received message
     * @return the answer
     * @throws ProtocolException naming the first thing wrong
     */
    public static Challenges parse(byte[] json) throws ProtocolException {
        Fields f = Fields.message(json, TYPE, Wire.MAX_ANSWER_BYTES);
        String hub = f.id("hub");
        String gateway = f.id("gateway");
        List<Object> items = f.array("entries", 1, Wire.MAX_BATCH);
        List<Entry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Fields e = Fields.item(items.get(i), "entries[" + i + "]");
            String child = e.id("child");
            if (e.has("refused")) {
                Fields.Refusal r = Fields.refusal(e, "refused");
                entries.add(new Entry(child, null, null, null, r.reason(), r.detail()));
            } else {
                entries.add(Entry.challenge(child, e.bytes("enrollment", Wire.ENROLLMENT_ID_BYTES, Wire.ENROLLMENT_ID_BYTES),
                        e.bytes("nonce", Wire.NONCE_BYTES, Wire.NONCE_BYTES), e.instant("expires")));
            }
        }
        return new Challenges(hub, gateway, entries);
    }

    static void requireId(String id, String what) {
        if (id == null || !Fields.ID.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " id '" + id + "' is not an id (1..128 of A-Z a-z 0-9 . _ : -)");
        }
    }
}
