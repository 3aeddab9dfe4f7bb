package dev.palisade.protocol.enroll;

/**
 * Hub → gateway, the answer to a message the hub could not take as a whole ({@code
 * docs/protocol.md} §4.5): unparseable, wrong version or type, wrong hub or gateway id, or a
 * registry that cannot be used. No child of that message changed state.
 *
 * @param reason the reason ({@link Reason#MALFORMED}, {@link Reason#BAD_GATEWAY_SIGNATURE},
 *        {@link Reason#UNAVAILABLE}, …)
 * @param detail one line for a person, e.g. the parse error naming the field
 */
public record ErrorAnswer(Reason reason, String detail) {

    /** The message type on the wire. */
    public static final String TYPE = "error";

    /** Validates the fields; a long detail is cut to the protocol's limit. */
    public ErrorAnswer {
        if (reason == null) {
            throw new IllegalArgumentException("an error answer needs a reason");
        }
        detail = Fields.abbreviateDetail(detail);
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        return new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE).field("reason", reason.name())
                .field("detail", detail).end().toBytes();
    }

    /**
     * @param json a received message
     * @return the answer
     * @throws ProtocolException naming the first thing wrong
     */
    public static ErrorAnswer parse(byte[] json) throws ProtocolException {
        Fields.Refusal r = Fields.refusal(Fields.message(json, TYPE, Wire.MAX_ANSWER_BYTES), "reason");
        return new ErrorAnswer(r.reason(), r.detail());
    }

    /**
     * Reads the {@code type} of an answer without parsing the rest, so that a receiver can tell
     * an {@link ErrorAnswer} from the answer it expected.
     *
     * @param json a received message
     * @return its type
     * @throws ProtocolException if it is not a protocol message of this version
     */
    public static String typeOf(byte[] json) throws ProtocolException {
        Fields f = new Fields(Fields.parse(json, Wire.MAX_ANSWER_BYTES), "");
        long v = f.integer("v", 0, Long.MAX_VALUE);
        if (v != Wire.VERSION) {
            throw new ProtocolException("unsupported protocol version " + v + " (this side speaks " + Wire.VERSION + ")");
        }
        return f.string("type", 64);
    }
}
