package dev.palisade.protocol.enroll;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Typed, bounded reads of one JSON object's members, each error naming the member by its path.
 * Members the protocol does not define are ignored (a later minor revision may add some; they are
 * never covered by a signature, so ignoring them is safe).
 */
final class Fields {

    /** Ids (hub, gateway, child): one MQTT topic level, the hub registry's id rule. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");

    private final Map<String, Object> members;
    private final String path;

    Fields(Map<String, Object> members, String path) {
        this.members = members;
        this.path = path;
    }

    /** Parses a message of at most {@code maxBytes} under the protocol's per-array, value and string limits. */
    static Map<String, Object> parse(byte[] json, int maxBytes) throws ProtocolException {
        return JsonReader.parseObject(json, new JsonReader.Limits(maxBytes, Wire.MAX_BATCH, Wire.MAX_JSON_VALUES,
                Wire.MAX_STRING_CHARS));
    }

    /** Reads a top-level message of at most {@code maxBytes} and checks its version and type. */
    static Fields message(byte[] json, String expectedType, int maxBytes) throws ProtocolException {
        Fields f = new Fields(parse(json, maxBytes), "");
        long v = f.integer("v", 0, Long.MAX_VALUE);
        if (v != Wire.VERSION) {
            throw new ProtocolException("unsupported protocol version " + v + " (this side speaks " + Wire.VERSION + ")");
        }
        String type = f.string("type", 64);
        if (!type.equals(expectedType)) {
            throw new ProtocolException("message type is \"" + type + "\", expected \"" + expectedType + "\"");
        }
        return f;
    }

    String at(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        return members.containsKey(name);
    }

    private Object require(String name) throws ProtocolException {
        Object value = members.get(name);
        if (value == null) {
            throw new ProtocolException("missing member " + at(name));
        }
        return value;
    }

    String string(String name, int maxLength) throws ProtocolException {
        Object value = require(name);
        if (!(value instanceof String s)) {
            throw new ProtocolException(at(name) + " must be a string");
        }
        if (s.length() > maxLength) {
            throw new ProtocolException(at(name) + " is " + s.length() + " characters; the limit is " + maxLength);
        }
        return s;
    }

    String id(String name) throws ProtocolException {
        return checkId(string(name, 128), at(name));
    }

    static String checkId(String id, String where) throws ProtocolException {
        if (!ID.matcher(id).matches()) {
            throw new ProtocolException(where + " \"" + abbreviate(id) + "\" is not an id (1..128 of A-Z a-z 0-9 . _ : -)");
        }
        return id;
    }

    long integer(String name, long min, long max) throws ProtocolException {
        Object value = require(name);
        if (!(value instanceof Long n)) {
            throw new ProtocolException(at(name) + " must be an integer");
        }
        if (n < min || n > max) {
            throw new ProtocolException(at(name) + " is " + n + "; it must be in " + min + ".." + max);
        }
        return n;
    }

    byte[] bytes(String name, int minBytes, int maxBytes) throws ProtocolException {
        return decode(string(name, (maxBytes * 4 + 2) / 3), at(name), minBytes, maxBytes);
    }

    static byte[] decode(String text, String where, int minBytes, int maxBytes) throws ProtocolException {
        if (!BASE64URL.matcher(text).matches() || text.length() % 4 == 1) {
            throw new ProtocolException(where + " is not unpadded base64url");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(where + " is not unpadded base64url");
        }
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(text)) {
            // Non-canonical trailing bits: refuse, so one value has exactly one spelling.
            throw new ProtocolException(where + " is not canonical base64url");
        }
        if (bytes.length < minBytes || bytes.length > maxBytes) {
            throw new ProtocolException(where + " decodes to " + bytes.length + " bytes; it must be "
                    + (minBytes == maxBytes ? String.valueOf(minBytes) : minBytes + ".." + maxBytes));
        }
        return bytes;
    }

    static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    Instant instant(String name) throws ProtocolException {
        String text = string(name, 40);
        Instant t;
        try {
            t = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new ProtocolException(at(name) + " \"" + abbreviate(text) + "\" is not an RFC 3339 UTC time like 2026-11-21T20:31:19Z");
        }
        if (!text.endsWith("Z") || t.getNano() % 1_000_000 != 0) {
            throw new ProtocolException(at(name) + " must be UTC ('Z') with at most millisecond precision");
        }
        if (t.isBefore(Instant.EPOCH)) {
            // Signed as an unsigned 64-bit millisecond count (§6): a time before 1970 has no encoding.
            throw new ProtocolException(at(name) + " \"" + abbreviate(text) + "\" is before 1970-01-01T00:00:00Z");
        }
        return t;
    }

    <E extends Enum<E>> E wireEnum(String name, Class<E> type) throws ProtocolException {
        String text = string(name, 64);
        for (E e : type.getEnumConstants()) {
            if (e.toString().equals(text)) {
                return e;
            }
        }
        throw new ProtocolException(at(name) + " \"" + abbreviate(text) + "\" is not one of " + List.of(type.getEnumConstants()));
    }

    List<Object> array(String name, int minItems, int maxItems) throws ProtocolException {
        Object value = require(name);
        if (!(value instanceof List<?> list)) {
            throw new ProtocolException(at(name) + " must be an array");
        }
        if (list.size() < minItems || list.size() > maxItems) {
            throw new ProtocolException(at(name) + " has " + list.size() + " items; it must have " + minItems + ".." + maxItems);
        }
        @SuppressWarnings("unchecked")
        List<Object> items = (List<Object>) list;
        return items;
    }

    Fields object(String name) throws ProtocolException {
        return item(require(name), at(name));
    }

    static Fields item(Object value, String where) throws ProtocolException {
        if (!(value instanceof Map<?, ?> map)) {
            throw new ProtocolException(where + " must be an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> members = (Map<String, Object>) map;
        return new Fields(members, where);
    }

    static String itemString(Object value, String where) throws ProtocolException {
        if (!(value instanceof String s)) {
            throw new ProtocolException(where + " must be a string");
        }
        return s;
    }

    private static final Pattern REASON_CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

    /** Reads a refusal's reason and detail; an unknown code becomes UNRECOGNIZED, kept in the detail. */
    static Refusal refusal(Fields f, String name) throws ProtocolException {
        String code = f.string(name, 64);
        if (!REASON_CODE.matcher(code).matches()) {
            throw new ProtocolException(f.at(name) + " \"" + abbreviate(code) + "\" is not a reason code (A-Z, 0-9, _)");
        }
        String detail = f.string("detail", Wire.MAX_DETAIL);
        Reason reason = Reason.fromWire(code);
        return new Refusal(reason, reason == Reason.UNRECOGNIZED ? abbreviateDetail("code " + code + ": " + detail) : detail);
    }

    record Refusal(Reason reason, String detail) {
    }

    /** Cuts a detail to the protocol's limit (a refusal must never fail for a long message). */
    static String abbreviateDetail(String detail) {
        String d = detail == null ? "" : detail;
        return d.length() <= Wire.MAX_DETAIL ? d : d.substring(0, Wire.MAX_DETAIL - 1) + "…";
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
