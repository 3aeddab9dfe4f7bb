package dev.palisade.shell.internal.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminProtocolTest {

    private final AdminProtocol protocol = new AdminProtocol(4, 100);

    private List<String> read(String request) throws IOException {
        return protocol.readRequest(new ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)));
    }

    private String refusal(String request) {
        return assertThrows(AdminProtocol.AdminProtocolException.class, () -> read(request)).getMessage();
    }

    @Test
    void readsTheArgumentsInOrder() throws IOException {
        assertEquals(List.of("identity", "show", "äöü"), read("PALISADE-ADMIN/1\n3\nidentity\nshow\näöü\n"));
    }

    @Test
    void keepsEmptyArguments() throws IOException {
        assertEquals(List.of("status", ""), read("PALISADE-ADMIN/1\n2\nstatus\n\n"));
    }

    @Test
    void namesWhatIsWrongWithABadRequest() {
        assertEquals("not an admin request: expected 'PALISADE-ADMIN/1' as the first line", refusal("PALISADE-ADMIN/2\n1\nstatus\n"));
        assertEquals("argument count 'x' is not a number", refusal("PALISADE-ADMIN/1\nx\n"));
        assertEquals("argument count 0 is outside 1..4", refusal("PALISADE-ADMIN/1\n0\n"));
        assertEquals("argument count 5 is outside 1..4", refusal("PALISADE-ADMIN/1\n5\n"));
        assertEquals("request ended early (truncated)", refusal("PALISADE-ADMIN/1\n2\nstatus\n"));
        assertEquals("request ended early (truncated)", refusal("PALISADE-ADMIN/1\n1\nstat"));
        assertEquals("request is larger than the limit", refusal("PALISADE-ADMIN/1\n1\n" + "a".repeat(200) + "\n"));
    }

    @Test
    void writesOutputErrorsAndExitCodeAsTaggedLines() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AdminProtocol.writeResponse(out, "line 1\r\nline 2\n", "oops\n", 1);
        assertEquals("o line 1\no line 2\ne oops\nx 1\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyAnswerIsJustTheExitCode() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AdminProtocol.writeResponse(out, "", "", 0);
        assertEquals("x 0\n", out.toString(StandardCharsets.UTF_8));
    }
}
