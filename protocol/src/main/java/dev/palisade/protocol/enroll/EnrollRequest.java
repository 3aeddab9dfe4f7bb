package dev.palisade.protocol.enroll;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Gateway → hub on {@code palisade/v1/<G>/enroll/request}: the children the gateway wants to
 * enroll ({@code docs/protocol.md} §4.1). Answered with {@link Challenges} or {@link ErrorAnswer}.
 *
 * @param children 1..{@link Wire#MAX_BATCH} children, ids unique
 */
public record EnrollRequest(List<ChildRequest> children) {

    /** The message type on the wire. */
    public static final String TYPE = "enroll-request";

    /** Validates the list (size, unique ids) and copies it. */
    public EnrollRequest {
        children = List.copyOf(children);
        if (children.isEmpty() || children.size() > Wire.MAX_BATCH) {
            throw new IllegalArgumentException("an enroll request has 1.." + Wire.MAX_BATCH + " children, not " + children.size());
        }
        Set<String> ids = new HashSet<>();
        for (ChildRequest c : children) {
            if (!ids.add(c.child())) {
                throw new IllegalArgumentException("child '" + c.child() + "' is named twice in one enroll request");
            }
        }
    }

    /**
     * One child to enroll.
     *
     * @param child the child's id: its leaf certificate's subject CN
     * @param mode the proof mode the gateway will use
     * @param chain the child's chain, DER, leaf first, 1..{@link Wire#MAX_CHAIN} certificates
     */
    public record ChildRequest(String child, Mode mode, List<byte[]> chain) {

        /** Validates the fields and copies the chain. */
        public ChildRequest {
            Objects.requireNonNull(mode, "mode");
            if (child == null || !Fields.ID.matcher(child).matches()) {
                throw new IllegalArgumentException("child id '" + child + "' is not an id (1..128 of A-Z a-z 0-9 . _ : -)");
            }
            chain = chain.stream().map(byte[]::clone).toList();
            if (chain.isEmpty() || chain.size() > Wire.MAX_CHAIN) {
                throw new IllegalArgumentException("child '" + child + "': a chain has 1.." + Wire.MAX_CHAIN + " certificates, not " + chain.size());
            }
            for (byte[] der : chain) {
                if (der.length == 0 || der.length > Wire.MAX_CERTIFICATE_BYTES) {
                    throw new IllegalArgumentException("child '" + child + "': a certificate of " + der.length
                            + " bytes (1.." + Wire.MAX_CERTIFICATE_BYTES + ")");
                }
            }
        }

        /** @return a copy of the chain's bytes */
        @Override
        public List<byte[]> chain() {
            return chain.stream().map(byte[]::clone).toList();
        }

        /** @return the leaf certificate's DER bytes (a copy) */
        public byte[] leaf() {
            return chain.get(0).clone();
        }
    }

    /** @return the message as UTF-8 JSON */
    public byte[] toJson() {
        JsonWriter w = new JsonWriter().begin().field("v", Wire.VERSION).field("type", TYPE).beginArray("children");
        for (ChildRequest c : children) {
            w.begin().field("child", c.child()).field("mode", c.mode().toString()).beginArray("chain");
            for (byte[] der : c.chain) {
                w.element(Fields.encode(der));
            }
            w.endArray().end();
        }
        return w.endArray().end().toBytes();
    }

    /**
     * @param json a received message; never {@code null}
     * @return the request
     * @throws ProtocolException naming the first thing wrong
     */
    public static EnrollRequest parse(byte[] json) throws ProtocolException {
        Fields f = Fields.message(json, TYPE, Wire.MAX_REQUEST_BYTES);
        List<Object> items = f.array("children", 1, Wire.MAX_BATCH);
        List<ChildRequest> children = new ArrayList<>(items.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            Fields c = Fields.item(items.get(i), "children[" + i + "]");
            String child = c.id("child");
            if (!ids.add(child)) {
                throw new ProtocolException(c.at("child") + " \"" + child + "\" is named twice");
            }
            Mode mode = c.wireEnum("mode", Mode.class);
            List<Object> certs = c.array("chain", 1, Wire.MAX_CHAIN);
            List<byte[]> chain = new ArrayList<>(certs.size());
            for (int k = 0; k < certs.size(); k++) {
                String where = c.at("chain") + "[" + k + "]";
                chain.add(Fields.decode(Fields.itemString(certs.get(k), where), where, 1, Wire.MAX_CERTIFICATE_BYTES));
            }
            children.add(new ChildRequest(child, mode, chain));
        }
        return new EnrollRequest(children);
    }
}
