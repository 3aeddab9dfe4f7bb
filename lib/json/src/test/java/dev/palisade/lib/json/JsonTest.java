package dev.palisade.lib.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void plainTextIsOnlyQuoted() {
        assertEquals("\"boiler-1\"", Json.string("boiler-1"));
        assertEquals("\"\"", Json.string(""));
        assertEquals("boiler-1", Json.escape("boiler-1"));
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("\"say \\\"hi\\\"\"", Json.string("say \"hi\""));
        assertEquals("\"C:\\\\dir\\\\\"", Json.string("C:\\dir\\"));
        assertEquals("a\\\\\\\"b", Json.escape("a\\\"b"));
    }

    @Test
    void everyControlCharacterIsEscaped() {
        assertEquals("\"\\n\\r\\t\"", Json.string("\n\r\t"));
        assertEquals("\"\\u0000\\u0001\\u0008\\u000c\\u001f\"", Json.string("\u0000\u0001\b\f\u001f"));
        for (char c = 0; c < 0x20; c++) {
            String written = Json.escape(String.valueOf(c));
            assertEquals('\\', written.charAt(0), "control character " + (int) c + " written as " + written);
        }
        // DEL and the space are not control characters in JSON.
        assertEquals("\" \u007f\"", Json.string(" \u007f"));
    }

    @Test
    void nonBmpCharactersAreWrittenAsTheyAreAndSurviveUtf8() {
        String text = "temp \uD83C\uDF21 \u20AC \u00E9";   // U+1F321 (a surrogate pair), euro sign, e acute
        String json = Json.string(text);
        assertEquals("\"" + text + "\"", json);
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(json, new String(utf8, StandardCharsets.UTF_8));
        assertEquals(4, "\uD83C\uDF21".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void loneSurrogatesAreEscapedInsteadOfBecomingQuestionMarks() {
        assertEquals("\"a\\ud83cb\"", Json.string("a\uD83Cb"));
        assertEquals("\"\\udf21\"", Json.string("\uDF21"));
        assertEquals("\"\\ud83c\"", Json.string("\uD83C"));
        assertEquals("\"\\udf21\\ud83c\"", Json.string("\uDF21\uD83C"), "a pair in the wrong order is two lone halves");
    }

    @Test
    void nullIsJsonNull() {
        assertEquals("null", Json.string(null));
        assertEquals("null", Json.value(null));
        assertThrows(NullPointerException.class, () -> Json.escape(null));
    }

    @Test
    void valuesAreNumbersBooleansOrStrings() {
        assertEquals("42", Json.value(42));
        assertEquals("-1.5", Json.value(-1.5));
        assertEquals("true", Json.value(true));
        assertEquals("\"on\\n\"", Json.value("on\n"));
        assertEquals("\"NaN\"", Json.value(Double.NaN));
        assertEquals("\"-Infinity\"", Json.value(Double.NEGATIVE_INFINITY));
        assertEquals("\"Infinity\"", Json.value(Float.POSITIVE_INFINITY));
    }
}
