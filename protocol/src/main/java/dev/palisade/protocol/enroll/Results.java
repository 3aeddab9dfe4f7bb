package dev.palisade.protocol.enroll;

import java.util.ArrayList;
import java.util.List;

/**
 * Hub → gateway, the answer to a {@link ProofBatch} or an {@link Unenroll} ({@code
 * docs/protocol.md} §4.4): one entry per child, in the order of the message answered.
 *
 * @param entries 1..{@link Wire#MAX_BATCH} entries
 */
public record Results(List<Entry> entries) {

    /** The message type on the wire. */
    public static final String TYPE = "results";

    /** Validates and copies the list. */
    public Results {
        entries = List.copyOf(entries);
        if (entries.isEmpty() || entries.size() > Wire.MAX_BATCH) {
            throw new IllegalArgumentException("a results answer has 1.." + Wire.MAX_BATCH + " entries, not " + entries.size());
        }
    }

    /** A child's outcome. */
    public enum Status {
        /** The hub recorded the gateway as the child's parent. */
        ENROLLED("enrolled"),
        /** The hub forgot the gateway as the child's parent (answer to {@link Unenroll}). */
        UNENROLLED("unenrolled"),
        /** The hub refused; see the reason. */
        REFUSED("refused");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    /**
     * @param child the child id
     * @param status the outcome
     * @param reason the reason, exactly when refused
     * @param detail one line for a person; empty unless refused
     */
    public record Entry(String child, Status status, Reason reason, String detail) {

        /** Validates that a reason is given exactly for a refusal. */
        public Entry {
            Challenges.requireId(child, "child");
            if (status == null || (reason != null) != (status == Status.REFUSED) || detail == null) {
                throw new IllegalArgumentException("child '" + child + "': a reason is given exactly when refused, and a detail always");
            }
            detail = Fields.abbreviateDetail(detail);
        }

        /** @return an entry with the status and no reason */
        public static Entry ok(String child, Status status) {
            return new Entry(child, status, null, "");
        }

        /** @return a refusal */
        public static Entry refused(String child, Reason reason, String detail) {
            return new Entry(child, Status.REFUSED, reason, detail);
        }
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        JsonWriter w = new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE).beginArray("entries");
        for (Entry e : entries) {
            w.begin().field("child", e.child()).field("status", e.status().toString());
            if (e.reason() != null) {
                w.field("reason", e.reason().name()).field("detail", e.detail());
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
    public static Results parse(byte[] json) throws ProtocolException {
        Fields f = Fields.message(json, TYPE, Wire.MAX_ANSWER_BYTES);
        List<Object> items = f.array("entries", 1, Wire.MAX_BATCH);
        List<Entry> entries = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Fields e = Fields.item(items.get(i), "entries[" + i + "]");
            String child = e.id("child");
            Status status = e.wireEnum("status", Status.class);
            if (status == Status.REFUSED) {
                Fields.Refusal r = Fields.refusal(e, "reason");
                entries.add(Entry.refused(child, r.reason(), r.detail()));
            } else {
                entries.add(Entry.ok(child, status));
            }
        }
        return new Results(entries);
    }
}
