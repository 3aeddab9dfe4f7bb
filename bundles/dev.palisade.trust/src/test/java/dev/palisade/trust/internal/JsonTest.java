package dev.palisade.trust.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsEveryKindOfValue() throws Exception {
        Object value = Json.parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\": \"x\\\"\\\\\\/\\n\\u00e9\", \"c\": {}} ");
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        List<?> a = (List<?>) map.get("a");
        assertEquals(new BigDecimal("1"), a.get(0));
        assertEquals(new BigDecimal("-2.5e3"), a.get(1));
        assertEquals(Boolean.TRUE, a.get(2));
        assertSame(Json.NULL, a.get(4));
        assertEquals("x\"\\/\né", map.get("b"));
        assertEquals(Map.of(), map.get("c"));
    }

    @Test
    void refusesWhatIsNotStrictJsonAndSaysWhere() {
        for (String bad : List.of("", "{", "{\"a\":1,}", "[1,]", "{\"a\":1 \"b\":2}", "{'a':1}", "{\"a\":01}",
                "{\"a\":1}{", "{\"a\":1,\"a\":2}", "nul", "\"a\u0001\"", "\"\\x\"", "\"\\u12\"", "1.", "-", "{\"a\":+1}",
                "[[[[[[[[[[1]]]]]]]]]]", "{\"a\": tru}")) {
            Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().matches("not JSON: .+ at character \\d+"), e.getMessage());
        }
        assertTrue(assertThrows(Json.ParseException.class, () -> Json.parse("{\"a\":1,\"a\":2}")).getMessage()
                .contains("member 'a' appears twice"));
    }

    @Test
    void writesOneAsciiLineThatReadsBack() throws Exception {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("id", new BigDecimal("7"));
        value.put("text", "line\nbreak \"quoted\" é \u0001");
        value.put("none", Json.NULL);
        value.put("list", List.of("a", Boolean.FALSE));
        String text = Json.write(value);
        assertEquals("{\"id\":7,\"text\":\"line\\nbreak \\\"quoted\\\" \\u00e9 \\u0001\",\"none\":null,\"list\":[\"a\",false]}", text);
        assertEquals(value.toString(), Json.parse(text).toString());
    }
}
