package dev.palisade.protocol.enroll;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 parser for the protocol's messages: UTF-8 only (malformed bytes refused),
 * objects without duplicate names, integers only (no fractions or exponents: the protocol has
 * none), bounded nesting. Objects become {@code Map<String,Object>}, arrays {@code List<Object>},
 * numbers {@code Long}.
 * <p>
 * Every bound a hostile peer could use to make the tree large is enforced <em>while</em> parsing,
 * at the first value over it ({@link Limits}): items per array, values per message, characters
 * per string. A tiny JSON value ({@code {}} is two bytes) costs tens of bytes as a Java object, so
 * checking the counts after the tree is built would let a 16 MiB message of empty objects take
 * hundreds of megabytes first. Written here rather than taken from a library so that the hub and the
 * gateway bundle need nothing but the JDK and parse exactly the same way.
 */
final class JsonReader {

    private static final int MAX_DEPTH = 8;

    /**
     * What one message may hold.
     *
     * @param maxBytes the message's size in bytes, checked before anything is decoded
     * @param maxArrayItems items in any one array
     * @param maxValues JSON values in the whole message (objects, arrays, strings, numbers,
     *        booleans; member names are not counted, each member's value is)
     * @param maxStringChars characters in any one string, member names included
     */
    record Limits(int maxBytes, int maxArrayItems, int maxValues, int maxStringChars) {
    }

    private final String text;
    private final Limits limits;
    private int pos;
    private int values;

    private JsonReader(String text, Limits limits) {
        this.text = text;
        this.limits = limits;
    }

    static Map<String, Object> parseObject(byte[] utf8, Limits limits) throws ProtocolException {
        int maxBytes = limits.maxBytes();
        if (utf8.length > maxBytes) {
            throw new ProtocolException("message is " + utf8.length + " bytes; the limit is " + maxBytes);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("message is not valid UTF-8");
        }
        JsonReader reader = new JsonReader(text, limits);
        reader.skipSpace();
        if (reader.pos >= text.length() || text.charAt(reader.pos) != '{') {
            throw reader.error("a JSON object");
        }
        Object value = reader.value(0, "");
        reader.skipSpace();
        if (reader.pos != text.length()) {
            throw reader.error("the end of the message");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) value;
        return object;
    }

    /** @param path where this value is, as the protocol's errors name members ({@code children[3].chain}) */
    private Object value(int depth, String path) throws ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("JSON nested deeper than " + MAX_DEPTH + " levels at offset " + pos);
        }
        if (++values > limits.maxValues()) {
            throw new ProtocolException("the message has more than " + limits.maxValues() + " JSON values (the limit for this"
                    + " message type); refused at " + describe(path) + ", offset " + pos);
        }
        skipSpace();
        if (pos >= text.length()) {
            throw error("a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object(depth, path);
            case '[':
                return array(depth, path);
            case '"':
                return string(path);
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                throw new ProtocolException("JSON null at offset " + pos + " (the protocol never uses null: omit the member)");
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("a value");
        }
    }

    private Map<String, Object> object(int depth, String path) throws ProtocolException {
        pos++;
        Map<String, Object> members = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return members;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("a member name");
            }
            String name = string(path.isEmpty() ? "a member name" : "a member name in " + path);
            skipSpace();
            expect(':');
            Object value = value(depth + 1, path.isEmpty() ? name : path + "." + name);
            if (members.putIfAbsent(name, value) != null) {
                throw new ProtocolException("duplicate member \"" + name + "\" before offset " + pos);
            }
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') {
                return members;
            }
            if (c != ',') {
                pos--;
                throw error("',' or '}'");
            }
        }
    }

    private List<Object> array(int depth, String path) throws ProtocolException {
        pos++;
        List<Object> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return items;
        }
        while (true) {
            if (items.size() == limits.maxArrayItems()) {
                throw new ProtocolException(describe(path) + " has more than " + limits.maxArrayItems()
                        + " items (the protocol's limit); refused at offset " + pos);
            }
            items.add(value(depth + 1, path + "[" + items.size() + "]"));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') {
                return items;
            }
            if (c != ',') {
                pos--;
                throw error("',' or ']'");
            }
        }
    }

    private String string(String path) throws ProtocolException {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (out.length() > limits.maxStringChars()) {
                throw new ProtocolException(describe(path) + " is a string longer than " + limits.maxStringChars()
                        + " characters (the protocol's limit); it starts at offset " + start);
            }
            if (pos >= text.length()) {
                throw new ProtocolException("unterminated JSON string at the end of the message");
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw new ProtocolException("control character in a JSON string at offset " + (pos - 1));
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw new ProtocolException("unterminated escape at the end of the message");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw new ProtocolException("truncated \\u escape at offset " + (pos - 2));
                    }
                    // Digit by digit: Integer.parseInt would also take "+041" or "-041".
                    int code = 0;
                    for (int k = 0; k < 4; k++) {
                        int digit = hexDigit(text.charAt(pos + k));
                        if (digit < 0) {
                            throw new ProtocolException("bad \\u escape at offset " + (pos - 2) + " (four hex digits expected)");
                        }
                        code = code * 16 + digit;
                    }
                    out.append((char) code);
                    pos += 4;
                }
                default -> throw new ProtocolException("bad escape '\\" + e + "' at offset " + (pos - 2));
            }
        }
    }

    private Long number() throws ProtocolException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
            pos++;
        }
        if (pos == digits || (text.charAt(digits) == '0' && pos - digits > 1)) {
            throw new ProtocolException("bad JSON number at offset " + start);
        }
        if (pos < text.length() && ".eE".indexOf(text.charAt(pos)) >= 0) {
            throw new ProtocolException("non-integer number at offset " + start + " (the protocol uses integers only)");
        }
        if (pos - digits > 15) {
            throw new ProtocolException("number too large at offset " + start);
        }
        return Long.parseLong(text.substring(start, pos));
    }

    private Object literal(String word, Object value) throws ProtocolException {
        if (!text.startsWith(word, pos)) {
            throw error("a value");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) throws ProtocolException {
        if (peek() != c) {
            throw error("'" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static String describe(String path) {
        return path.isEmpty() ? "the message" : path.startsWith("a member name") ? path : "member " + path;
    }

    private ProtocolException error(String expected) {
        return new ProtocolException(pos >= text.length() ? "message ends where " + expected + " was expected"
                : "expected " + expected + " at offset " + pos + " of the message");
    }
}
