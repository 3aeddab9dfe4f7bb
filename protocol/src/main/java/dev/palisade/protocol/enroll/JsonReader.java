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
 * numbers {@code Long}. Written here rather than taken from a library so that the hub and the
 * gateway bundle need nothing but the JDK and parse exactly the same way.
 */
final class JsonReader {

    private static final int MAX_DEPTH = 8;

    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    static Map<String, Object> parseObject(byte[] utf8, int maxBytes) throws ProtocolException {
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
        JsonReader reader = new JsonReader(text);
        reader.skipSpace();
        if (reader.pos >= text.length() || text.charAt(reader.pos) != '{') {
            throw reader.error("a JSON object");
        }
        Object value = reader.value(0);
        reader.skipSpace();
        if (reader.pos != text.length()) {
            throw reader.error("the end of the message");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) value;
        return object;
    }

    private Object value(int depth) throws ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("JSON nested deeper than " + MAX_DEPTH + " levels at offset " + pos);
        }
        skipSpace();
        if (pos >= text.length()) {
            throw error("a value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
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

    private Map<String, Object> object(int depth) throws ProtocolException {
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
            String name = string();
            skipSpace();
            expect(':');
            Object value = value(depth + 1);
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

    private List<Object> array(int depth) throws ProtocolException {
        pos++;
        List<Object> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return items;
        }
        while (true) {
            items.add(value(depth + 1));
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

    private String string() throws ProtocolException {
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
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
                    try {
                        out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException x) {
                        throw new ProtocolException("bad \\u escape at offset " + (pos - 2));
                    }
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

    private ProtocolException error(String expected) {
        return new ProtocolException(pos >= text.length() ? "message ends where " + expected + " was expected"
                : "expected " + expected + " at offset " + pos + " of the message");
    }
}
