package dev.palisade.protocol.enroll;

import java.nio.charset.StandardCharsets;

/**
 * Writes the protocol's JSON compactly, members in the order they are added (the order has no
 * meaning to a reader; it only makes messages easy to compare by eye and in the doc's example).
 */
final class JsonWriter {

    private final StringBuilder out = new StringBuilder(256);
    private boolean first = true;

    JsonWriter begin() {
        separate();
        out.append('{');
        first = true;
        return this;
    }

    JsonWriter end() {
        out.append('}');
        first = false;
        return this;
    }

    JsonWriter beginArray(String name) {
        name(name);
        out.append('[');
        first = true;
        return this;
    }

    JsonWriter endArray() {
        out.append(']');
        first = false;
        return this;
    }

    JsonWriter field(String name, String value) {
        name(name);
        quote(value);
        first = false;
        return this;
    }

    JsonWriter field(String name, long value) {
        name(name);
        out.append(value);
        first = false;
        return this;
    }

    /** Adds a string element to the array being written. */
    JsonWriter element(String value) {
        separate();
        quote(value);
        return this;
    }

    JsonWriter name(String name) {
        separate();
        quote(name);
        out.append(':');
        first = true;
        return this;
    }

    byte[] toBytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void separate() {
        if (!first) {
            out.append(',');
        }
        first = false;
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
