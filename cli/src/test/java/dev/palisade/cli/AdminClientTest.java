package dev.palisade.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a one-shot server on a real Unix domain socket that plays the gateway. */
class AdminClientTest {

    @TempDir
    Path directory;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Path socket, String... arguments) {
        return new AdminClient(socket).run(List.of(arguments), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Accepts one connection, records the request, answers with the given bytes. */
    private CompletableFuture<String> gateway(Path socket, String answer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel client = server.accept()) {
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                String request = "";
                while (!request.endsWith("\n") || request.split("\n").length < 2
                        || request.split("\n").length < 2 + Integer.parseInt(request.split("\n")[1])) {
                    if (client.read(buffer) < 0) {
                        break;
                    }
                    request = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
                }
                client.write(StandardCharsets.UTF_8.encode(answer));
                return request;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void sendsTheCommandAndCopiesTheAnswer() throws Exception {
        Path socket = directory.resolve("admin.sock");
        CompletableFuture<String> request = gateway(socket, "o first\no second\ne careful\nx 0\n");
        assertEquals(0, run(socket, "identity", "show"));
        assertEquals("PALISADE-ADMIN/1\n2\nidentity\nshow\n", request.get());
        assertEquals("first\nsecond\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("careful\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void returnsTheGatewaysExitCode() throws Exception {
        Path socket = directory.resolve("admin.sock");
        gateway(socket, "e unknown command 'x'\nx 2\n");
        assertEquals(2, run(socket, "x"));
        assertEquals("unknown command 'x'\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void noSocketMeansNotRunning() {
        assertEquals(AdminClient.EXIT_NOT_RUNNING, run(directory.resolve("absent.sock"), "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("Palisade is not running: no admin channel at "));
    }

    @Test
    void aSocketNobodyListensOnMeansNotRunning() throws IOException {
        Path socket = directory.resolve("stale.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        server.close(); // leaves the file, as a killed gateway does
        assertTrue(Files.exists(socket));
        assertEquals(AdminClient.EXIT_NOT_RUNNING, run(socket, "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nothing answers at"));
    }

    @Test
    void anAnswerOutsideTheProtocolIsReported() throws Exception {
        Path socket = directory.resolve("admin.sock");
        gateway(socket, "HTTP/1.1 400 Bad Request\n");
        assertEquals(AdminClient.EXIT_PROTOCOL, run(socket, "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unexpected answer from the gateway: HTTP/1.1 400"));
    }

    @Test
    void anAnswerWithoutExitCodeIsReported() throws Exception {
        Path socket = directory.resolve("admin.sock");
        gateway(socket, "o half an answer\n");
        assertEquals(AdminClient.EXIT_PROTOCOL, run(socket, "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("closed the admin channel without an answer"));
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(Main.EXIT_USAGE, Main.run(List.of("status"), new PrintStream(out), new PrintStream(err)));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: palisade-cli --socket PATH COMMAND"));
    }
}
