package dev.palisade.lib.json;

/**
 * Just enough JSON writing for the small messages the bundles build by hand (readings, status
 * and error answers, deploy progress); no parsing. Strings are written so that any JSON parser
 * reads back exactly the text given: quotes, backslashes and control characters are escaped,
 * everything else, non-BMP characters included, is written as it is (the message is UTF-8).
 *
 * <p>Not an API: this package is copied privately into each bundle that uses it (bnd
 * {@code -conditionalpackage}); no bundle exports or imports it.
 */
public final class Json {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /**
     * @param text any text, or {@code null}
     * @return {@code text} as a JSON string, quotes included; {@code null} as JSON {@code null}
     */
    public static String string(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        return appendEscaped(out, text).append('"').toString();
    }

    /**
     * @param text any text, not {@code null}
     * @return the content of {@code text} as a JSON string, without the quotes, for a caller that
     *         writes the quotes itself
     */
    public static String escape(String text) {
        return appendEscaped(new StringBuilder(text.length() + 8), text).toString();
    }

    /**
     * @param value {@code null}, a string, or a number or boolean (written with {@code toString})
     * @return the JSON value; a {@code Double} or {@code Float} that is NaN or infinite becomes a
     *         string ({@code "NaN"}, {@code "Infinity"}), since JSON numbers cannot say it
     */
    public static String value(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return string(s);
        }
        if (value instanceof Double d && !Double.isFinite(d) || value instanceof Float f && !Float.isFinite(f)) {
            return string(value.toString());
        }
        return value.toString();
    }

    private static StringBuilder appendEscaped(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !pairedAt(text, i)) {
                        // A lone surrogate cannot be encoded in UTF-8 (it would become '?'): keep it as an escape.
                        unicodeEscape(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out;
    }

    /** Whether the surrogate at {@code i} is half of a valid pair (either half). */
    private static boolean pairedAt(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
    }
}
