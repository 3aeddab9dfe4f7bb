package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every message survives the wire; hostile or wrong input is refused naming what and where. */
class MessagesTest {

    private static final byte[] E = new byte[16];
    private static final byte[] N = new byte[32];

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String refusal(byte[] json, Parser p) {
        return assertThrows(ProtocolException.class, () -> p.parse(json)).getMessage();
    }

    private interface Parser {
        Object parse(byte[] json) throws ProtocolException;
    }

    @Test
    void everyMessageRoundTrips() throws ProtocolException {
        EnrollRequest req = new EnrollRequest(List.of(
                new EnrollRequest.ChildRequest("pump-7", Mode.RELAY, List.of(new byte[] {1, 2, 3}, new byte[] {4})),
                new EnrollRequest.ChildRequest("plc-1", Mode.ATTEST, List.of(new byte[] {5}))));
        EnrollRequest req2 = EnrollRequest.parse(req.toJson());
        assertEquals(2, req2.children().size());
        assertEquals(Mode.ATTEST, req2.children().get(1).mode());
        assertArrayEquals(new byte[] {4}, req2.children().get(0).chain().get(1));
        assertArrayEquals(req.toJson(), req2.toJson());

        Challenges ch = new Challenges("hub-1", "gw-001", List.of(
                Challenges.Entry.challenge("pump-7", E, N, Instant.parse("2026-11-21T20:31:19.250Z")),
                Challenges.Entry.refusal("plc-1", Reason.CA_NOT_VERIFIED, "CA 'Plant-Root' is pending \"quoted\" \\ \n")));
        Challenges ch2 = Challenges.parse(ch.toJson());
        assertEquals(Instant.parse("2026-11-21T20:31:19.250Z"), ch2.entries().get(0).expires());
        assertEquals(Reason.CA_NOT_VERIFIED, ch2.entries().get(1).refused());
        assertEquals("CA 'Plant-Root' is pending \"quoted\" \\ \n", ch2.entries().get(1).detail());
        assertArrayEquals(ch.toJson(), ch2.toJson());

        Results res = new Results(List.of(Results.Entry.ok("pump-7", Results.Status.ENROLLED),
                Results.Entry.refused("plc-1", Reason.NONCE_EXPIRED, "expired at 2026-11-21T20:31:19Z")));
        assertArrayEquals(res.toJson(), Results.parse(res.toJson()).toJson());

        ErrorAnswer err = new ErrorAnswer(Reason.MALFORMED, "proofs[3].signature is not unpadded base64url");
        assertEquals(err, ErrorAnswer.parse(err.toJson()));
        assertEquals("error", ErrorAnswer.typeOf(err.toJson()));

        Unenroll un = new Unenroll(List.of("pump-7", "plc-1"));
        assertEquals(un, Unenroll.parse(un.toJson()));
    }

    @Test
    void anUnknownReasonCodeIsKeptNotRefused() throws ProtocolException {
        Results r = Results.parse(utf8("{\"v\":1,\"type\":\"results\",\"entries\":[{\"child\":\"c\",\"status\":\"refused\","
                + "\"reason\":\"QUOTA_EXCEEDED\",\"detail\":\"too many\"}]}"));
        assertEquals(Reason.UNRECOGNIZED, r.entries().get(0).reason());
        assertEquals("code QUOTA_EXCEEDED: too many", r.entries().get(0).detail());
    }

    @Test
    void unknownMembersAreIgnoredSoMinorRevisionsCanAddSome() throws ProtocolException {
        Unenroll u = Unenroll.parse(utf8("{\"v\":1,\"type\":\"unenroll\",\"children\":[\"c\"],\"later\":{\"x\":[1,true]}}"));
        assertEquals(List.of("c"), u.children());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                   | hello                                                               | expected a JSON object at offset 0
            an array                   | [1]                                                                 | expected a JSON object at offset 0
            truncated                  | {"v":1,"type":"unenroll","children":["c"]                           | message ends where ',' or '}' was expected
            trailing bytes             | {"v":1,"type":"unenroll","children":["c"]} x                        | expected the end of the message at offset 43
            duplicate member           | {"v":1,"v":1,"type":"unenroll","children":["c"]}                    | duplicate member "v"
            null                       | {"v":1,"type":"unenroll","children":null}                           | JSON null at offset
            fraction                   | {"v":1.0,"type":"unenroll","children":["c"]}                        | non-integer number at offset 5
            leading zero               | {"v":01,"type":"unenroll","children":["c"]}                         | bad JSON number at offset 5
            huge number                | {"v":12345678901234567890,"type":"unenroll","children":["c"]}       | number too large
            version 2                  | {"v":2,"type":"unenroll","children":["c"]}                          | unsupported protocol version 2 (this side speaks 1)
            no version                 | {"type":"unenroll","children":["c"]}                                | missing member v
            version a string           | {"v":"1","type":"unenroll","children":["c"]}                        | v must be an integer
            wrong type                 | {"v":1,"type":"proof","children":["c"]}                             | message type is "proof", expected "unenroll"
            empty list                 | {"v":1,"type":"unenroll","children":[]}                             | children has 0 items; it must have 1..1024
            bad id                     | {"v":1,"type":"unenroll","children":["a/b"]}                        | children[0] "a/b" is not an id
            wildcard id                | {"v":1,"type":"unenroll","children":["#"]}                          | children[0] "#" is not an id
            id twice                   | {"v":1,"type":"unenroll","children":["c","c"]}                      | children[1] "c" is named twice
            control char               | {"v":1,"type":"unenroll","children":["c\u0001"]}                    | control character in a JSON string
            bad escape                 | {"v":1,"type":"unenroll","children":["c\\q"]}                       | bad escape '\\q'
            deep nesting               | {"v":1,"x":[[[[[[[[[[1]]]]]]]]]],"type":"unenroll","children":["c"]} | nested deeper than 8 levels
            """)
    void malformedMessagesAreRefusedNamingWhatAndWhere(String what, String json, String expected) {
        String message = refusal(utf8(json.replace("\\u0001", "\u0001").replace("\\\\", "\\")), Unenroll::parse);
        assertTrue(message.contains(expected), what + ": got \"" + message + "\"");
    }

    @Test
    void fieldErrorsInsideBatchesNameTheirPath() {
        String chainOk = "\"chain\":[\"AQID\"]";
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\"," + chainOk
                + "},{\"child\":\"b\",\"mode\":\"psk\"," + chainOk + "}]}"), EnrollRequest::parse)
                .contains("children[1].mode \"psk\" is not one of [relay, attest, custodial]"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\","
                + "\"chain\":[\"AQID\",\"AQ==\"]}]}"), EnrollRequest::parse).contains("children[0].chain[1] is not unpadded base64url"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\","
                + "\"chain\":[\"AQ+D\"]}]}"), EnrollRequest::parse).contains("children[0].chain[0] is not unpadded base64url"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\","
                + "\"chain\":[\"AR\"]}]}"), EnrollRequest::parse).contains("children[0].chain[0] is not canonical base64url"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\","
                + "\"chain\":[\"\"]}]}"), EnrollRequest::parse).contains("children[0].chain[0] decodes to 0 bytes; it must be 1..4096"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"a\",\"mode\":\"relay\","
                + "\"chain\":[\"AQ\",\"AQ\",\"AQ\",\"AQ\",\"AQ\"]}]}"), EnrollRequest::parse).contains("children[0].chain has 5 items; it must have 1..4"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"challenges\",\"hub\":\"h\",\"gateway\":\"g\",\"entries\":[{\"child\":\"a\","
                + "\"enrollment\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"nonce\":\"AAAA\",\"expires\":\"2026-11-21T20:31:19Z\"}]}"), Challenges::parse)
                .contains("entries[0].nonce decodes to 3 bytes; it must be 32"));
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"challenges\",\"hub\":\"h\",\"gateway\":\"g\",\"entries\":[{\"child\":\"a\","
                + "\"enrollment\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
                + "\"expires\":\"2026-11-21T21:31:19+01:00\"}]}"), Challenges::parse).contains("entries[0].expires"));
    }

    @Test
    void proofsMustFitTheirModeAndTheirBatch() {
        String head = "{\"v\":1,\"type\":\"proof\",\"hub\":\"h\",\"gateway\":\"g\",\"alg\":\"SHA256withECDSA\","
                + "\"root\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"signature\":\"AQ\",\"proofs\":[";
        String e = "\"enrollment\":\"AAAAAAAAAAAAAAAAAAAAAA\"";
        assertTrue(refusal(utf8(head + "{" + e + ",\"child\":\"a\",\"mode\":\"attest\",\"alg\":\"x\",\"signature\":\"AQ\","
                + "\"path\":[]}]}"), ProofBatch::parse).contains("proofs[0].signature: an attest proof carries no child signature"));
        assertTrue(refusal(utf8(head + "{" + e + ",\"child\":\"a\",\"mode\":\"relay\",\"path\":[]}]}"), ProofBatch::parse)
                .contains("missing member proofs[0].alg"));
        assertTrue(refusal(utf8(head + "{" + e + ",\"child\":\"a\",\"mode\":\"relay\",\"alg\":\"x\",\"signature\":\"AQ\","
                + "\"path\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}]}"), ProofBatch::parse)
                .contains("proofs[0].path has 1 items; it must have 0..0"));
        assertTrue(refusal(utf8(head + "{" + e + ",\"child\":\"a\",\"mode\":\"relay\",\"alg\":\"x\",\"signature\":\"AQ\",\"path\":[]},"
                + "{" + e + ",\"child\":\"a\",\"mode\":\"relay\",\"alg\":\"x\",\"signature\":\"AQ\",\"path\":[]}]}"), ProofBatch::parse)
                .contains("proofs[1].child \"a\" is proven twice in one batch"));
    }

    @Test
    void sizeLimitsHoldBeforeAnyParsing() {
        byte[] huge = new byte[Wire.MAX_UNENROLL_BYTES + 1];
        assertTrue(refusal(huge, Unenroll::parse).contains("message is 262145 bytes; the limit is 262144"));
        assertTrue(refusal(new byte[] {'{', (byte) 0xC3, '}'}, Unenroll::parse).contains("not valid UTF-8"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= Wire.MAX_BATCH; i++) {
            many.add("\"c" + i + "\"");
        }
        assertTrue(refusal(utf8("{\"v\":1,\"type\":\"unenroll\",\"children\":[" + String.join(",", many) + "]}"), Unenroll::parse)
                .contains("member children has more than 1024 items"));
    }

    @Test
    void aRefusalDetailIsCutNotRefused() {
        String longDetail = "x".repeat(2000);
        assertEquals(Wire.MAX_DETAIL, new ErrorAnswer(Reason.UNAVAILABLE, longDetail).detail().length());
    }
}
