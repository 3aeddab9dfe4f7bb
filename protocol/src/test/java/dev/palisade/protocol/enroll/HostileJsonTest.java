package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile messages that are small on the wire but large as a tree are refused while parsing, at
 * the first value over a limit, before they cost memory.
 */
class HostileJsonTest {

    /** {@code {"v":1,"type":"enroll-request","children":[{},{},…]}} of about {@code bytes} bytes. */
    static byte[] emptyObjects(int bytes) {
        byte[] head = "{\"v\":1,\"type\":\"enroll-request\",\"children\":[".getBytes(StandardCharsets.US_ASCII);
        int items = (bytes - head.length - 2) / 3;
        byte[] out = new byte[head.length + items * 3 + 1];
        System.arraycopy(head, 0, out, 0, head.length);
        int p = head.length;
        for (int i = 0; i < items; i++) {
            out[p++] = '{';
            out[p++] = '}';
            out[p++] = ',';
        }
        out[p - 1] = ']';
        out[p] = '}';
        return out;
    }

    private static String refusal(byte[] json) {
        return assertThrows(ProtocolException.class, () -> EnrollRequest.parse(json)).getMessage();
    }

    @Test
    void anArrayIsRefusedAtItsFirstItemOverTheBatchLimit() {
        byte[] hostile = emptyObjects(16 * 1024 * 1024);
        String message = refusal(hostile);
        assertTrue(message.startsWith("member children has more than 1024 items"), message);
        // Refused where item 1,025 starts (3 bytes per item after the 43-byte head), not after the whole array.
        assertTrue(message.endsWith("offset " + (43 + 1024 * 3)), message);
    }

    /**
     * The 16 MiB message of 5.6 million empty objects in a JVM whose heap cannot hold that tree
     * (~350 MB as maps): it must end in the ProtocolException, not in an OutOfMemoryError.
     */
    @Test
    void aSixteenMebibyteMessageOfEmptyObjectsIsRefusedUnderASmallHeap(@TempDir Path dir) throws Exception {
        Path payload = dir.resolve("hostile.json");
        Files.write(payload, emptyObjects(16 * 1024 * 1024));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
                "-cp", System.getProperty("java.class.path"), ParseOne.class.getName(), payload.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish in 60 s");
        String said = Files.readString(out);
        assertEquals(0, p.exitValue(), said);
        assertTrue(said.contains("refused: member children has more than 1024 items"), said);
    }

    @Test
    void theWholeMessageHasAValueBudget() {
        StringBuilder s = new StringBuilder("{\"v\":1,\"type\":\"enroll-request\",\"x\":[");
        for (int i = 0; i < 40; i++) {
            s.append(i == 0 ? "[" : ",[");
            s.append("1,".repeat(999)).append("1]");
        }
        s.append("],\"children\":[]}");
        String message = refusal(s.toString().getBytes(StandardCharsets.UTF_8));
        assertTrue(message.startsWith("the message has more than " + Wire.MAX_JSON_VALUES + " JSON values"), message);
        assertTrue(message.contains("x[32]"), message);
    }

    @Test
    void aStringLongerThanTheLongestFieldIsRefusedWhileItIsRead() {
        String json = "{\"v\":1,\"type\":\"enroll-request\",\"children\":[{\"child\":\"" + "a".repeat(20_000) + "\"}]}";
        String message = refusal(json.getBytes(StandardCharsets.UTF_8));
        assertTrue(message.startsWith("member children[0].child is a string longer than 8192 characters"), message);
    }

    @Test
    void aUnicodeEscapeIsFourHexDigitsAndNothingElse() throws ProtocolException {
        for (String bad : new String[] {"\\u+041", "\\u-041", "\\u 041", "\\u004G"}) {
            String json = "{\"v\":1,\"type\":\"unenroll\",\"children\":[\"a" + bad + "\"]}";
            String message = assertThrows(ProtocolException.class, () -> Unenroll.parse(json.getBytes(StandardCharsets.UTF_8)),
                    bad).getMessage();
            assertTrue(message.contains("bad \\u escape"), bad + ": " + message);
        }
        assertEquals("aA", Unenroll.parse("{\"v\":1,\"type\":\"unenroll\",\"children\":[\"a\\u0041\"]}"
                .getBytes(StandardCharsets.UTF_8)).children().get(0));
    }

    @Test
    void aVerificationTimeBefore1970IsRefused() {
        String json = "{\"v\":1,\"type\":\"proof\",\"hub\":\"h\",\"gateway\":\"g\",\"alg\":\"SHA256withECDSA\","
                + "\"root\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"signature\":\"AQ\",\"proofs\":[{"
                + "\"enrollment\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"child\":\"a\",\"mode\":\"attest\",\"path\":[],\"attestation\":{"
                + "\"verified_at\":\"1969-12-31T23:59:59Z\",\"trust_domain\":\"t\",\"binding_type\":\"none\",\"binding\":\"\"}}]}";
        String message = assertThrows(ProtocolException.class, () -> ProofBatch.parse(json.getBytes(StandardCharsets.UTF_8)))
                .getMessage();
        assertTrue(message.contains("proofs[0].attestation.verified_at \"1969-12-31T23:59:59Z\" is before 1970"), message);
        assertThrows(IllegalArgumentException.class, () -> new ProofBatch.Attestation(java.time.Instant.ofEpochMilli(-1), "t",
                "none", new byte[0]));
    }

    @Test
    void answersHaveTheirOwnSmallerBudget() {
        byte[] big = new byte[Wire.MAX_ANSWER_BYTES + 1];
        String message = assertThrows(ProtocolException.class, () -> Results.parse(big)).getMessage();
        assertTrue(message.contains("the limit is " + Wire.MAX_ANSWER_BYTES), message);
        assertThrows(ProtocolException.class, () -> ErrorAnswer.typeOf(big));
    }

    /** Run in a child JVM with a small heap by the test above. */
    public static final class ParseOne {
        public static void main(String[] args) throws IOException {
            byte[] json = Files.readAllBytes(Paths.get(args[0]));
            try {
                EnrollRequest.parse(json);
                System.out.println("accepted");
                System.exit(2);
            } catch (ProtocolException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
