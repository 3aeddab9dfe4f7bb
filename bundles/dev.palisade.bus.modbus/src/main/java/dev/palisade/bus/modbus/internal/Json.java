package dev.palisade.bus.modbus.internal;

/** Just enough JSON writing for readings and status messages; no parsing. */
final class Json {

    private Json() {
    }

    static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    static String value(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return string(s);
        }
        if (value instanceof Double d && !Double.isFinite(d)) {
            return string(d.toString()); // NaN and infinities are not JSON numbers
        }
        return value.toString();
    }
}
