package dev.palisade.protocol.enroll;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Gateway → hub on {@code palisade/v1/<G>/enroll/remove} ({@code docs/protocol.md} §4.6): the
 * hub forgets this gateway as parent of these children. Unsigned beyond the session: only G's
 * authenticated session can publish there, and it only removes G's own relations. Answered
 * with {@link Results} ({@code unenrolled}, or refused with {@link Reason#UNKNOWN_ENROLLMENT}
 * for a child G is not the parent of).
 *
 * @param children 1..{@link Wire#MAX_BATCH} child ids, unique
 */
public record Unenroll(List<String> children) {

    /** The message type on the wire. */
    public static final String TYPE = "unenroll";

    /** Validates and copies the list. */
    public Unenroll {
        children = List.copyOf(children);
        if (children.isEmpty() || children.size() > Wire.MAX_BATCH || new HashSet<>(children).size() != children.size()) {
            throw new IllegalArgumentException("an unenroll names 1.." + Wire.MAX_BATCH + " distinct children");
        }
        children.forEach(c -> Challenges.requireId(c, "child"));
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        JsonWriter w = new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE).beginArray("children");
        children.forEach(w::element);
        return w.endArray().end().toBytes();
    }

    /**
     * @param json a received message
     * @return the request
     * @throws ProtocolException naming the first thing wrong
     */
    public static Unenroll parse(byte[] json) throws ProtocolException {
        Fields f = Fields.message(json, TYPE, Wire.MAX_UNENROLL_BYTES);
        List<Object> items = f.array("children", 1, Wire.MAX_BATCH);
        List<String> children = new ArrayList<>(items.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String where = "children[" + i + "]";
            String child = Fields.checkId(Fields.itemString(items.get(i), where), where);
            if (!seen.add(child)) {
                throw new ProtocolException(where + " \"" + child + "\" is named twice");
            }
            children.add(child);
        }
        return new Unenroll(children);
    }
}
