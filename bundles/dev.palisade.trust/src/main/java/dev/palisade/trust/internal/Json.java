package dev.palisade.trust.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strict, small JSON reader and writer of {@code palisade verify --batch} (RFC 8259): one
 * value per text, no comments, no trailing commas, no duplicate member names, no leading zeros,
 * bounded nesting. Objects become {@code LinkedHashMap<String, Object>}, arrays {@code List},
 * numbers {@link BigDecimal}, and {@code null} a {@link #NULL} marker (so that a member given as
 * null is told apart from a missing one). A library would be a dependency on the CLI's class path
 * and in the bundle for ~200 lines of code we test ourselves.
 */
final class Json {

    /** The JSON {@code null} literal. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** Deep enough for a request (an object holding arrays of strings); bounds recursion. */
    static final int MAX_DEPTH = 8;

    /** A text that is not JSON; the message says what and at which character. */
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;

        ParseException(String message) {
            super(message, null, false, false);
        }
    }

    private final String text;
    private int at;

    private Json(String text) {
        this.text = text;
    }

    /**
     * @param text one JSON text
     * @return its value
     * @throws ParseException naming the problem and the character position (from 1)
     */
    static Object parse(String text) throws ParseException {
        Json json = new Json(text);
        json.space();
        Object value = json.value(0);
        json.space();
        if (json.at < text.length()) {
            throw json.error("unexpected '" + Text.safe(String.valueOf(text.charAt(json.at))) + "' after the value");
        }
        return value;
    }

    private Object value(int depth) throws ParseException {
        if (at >= text.length()) {
            throw error("unexpected end of input");
        }
        char c = text.charAt(at);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected '" + Text.safe(String.valueOf(c)) + "'");
        }
    }

    private Map<String, Object> object(int depth) throws ParseException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        at++;
        Map<String, Object> members = new LinkedHashMap<>();
        space();
        if (peek('}')) {
            at++;
            return members;
        }
        while (true) {
            space();
            if (!peek('"')) {
                throw error("expected a member name in double quotes");
            }
            String name = string();
            space();
            expect(':');
            space();
            Object value = value(depth);
            if (members.put(name, value) != null) {
                throw error("member '" + Text.safe(name) + "' appears twice");
            }
            space();
            if (peek(',')) {
                at++;
            } else {
                expect('}');
                return members;
            }
        }
    }

    private List<Object> array(int depth) throws ParseException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
        at++;
        List<Object> items = new ArrayList<>();
        space();
        if (peek(']')) {
            at++;
            return items;
        }
        while (true) {
            space();
            items.add(value(depth));
            space();
            if (peek(',')) {
                at++;
            } else {
                expect(']');
                return items;
            }
        }
    }

    private String string() throws ParseException {
        at++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string (escape it)");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated escape");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u':
                    if (at + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    try {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                    break;
                default:
                    throw error("unknown escape '\\" + Text.safe(String.valueOf(e)) + "'");
            }
        }
    }

    private Object number() throws ParseException {
        int start = at;
        if (peek('-')) {
            at++;
        }
        if (peek('0')) {
            at++;
        } else if (!digits()) {
            throw error("bad number");
        }
        if (peek('.')) {
            at++;
            if (!digits()) {
                throw error("bad number: digits expected after '.'");
            }
        }
        if (peek('e') || peek('E')) {
            at++;
            if (peek('+') || peek('-')) {
                at++;
            }
            if (!digits()) {
                throw error("bad number: digits expected in the exponent");
            }
        }
        if (at - start > 40) {
            throw error("number longer than 40 characters");
        }
        return new BigDecimal(text.substring(start, at));
    }

    private boolean digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }

    private Object literal(String word, Object value) throws ParseException {
        if (!text.startsWith(word, at)) {
            throw error("unexpected '" + Text.safe(String.valueOf(text.charAt(at))) + "'");
        }
        at += word.length();
        return value;
    }

    private void space() {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            at++;
        }
    }

    private boolean peek(char c) {
        return at < text.length() && text.charAt(at) == c;
    }

    private void expect(char c) throws ParseException {
        if (!peek(c)) {
            throw error(at >= text.length() ? "unexpected end of input, expected '" + c + "'" : "expected '" + c + "'");
        }
        at++;
    }

    private ParseException error(String what) {
        return new ParseException("not JSON: " + what + " at character " + (at + 1));
    }

    /**
     * @param value a String, Number, Boolean, {@link #NULL}/null, List or Map with String keys
     * @return its JSON text on one line (non-ASCII and control characters escaped)
     */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null || value == NULL) {
            out.append("null");
        } else if (value instanceof String) {
            quote((String) value, out);
        } else if (value instanceof BigDecimal) {
            out.append(((BigDecimal) value).toString());
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> member : ((Map<?, ?>) value).entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                quote((String) member.getKey(), out);
                out.append(':');
                write(member.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List) {
            out.append('[');
            boolean first = true;
            for (Object item : (List<?>) value) {
                out.append(first ? "" : ",");
                first = false;
                write(item, out);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                // ASCII-only output: a line stays one line and readable whatever the terminal's encoding.
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
