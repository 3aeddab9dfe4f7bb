package dev.palisade.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The client end of the gateway's admin channel (protocol in docs/admin-channel.md): sends one
 * command, copies the gateway's output to this process's stdout and stderr, returns the exit code.
 */
final class AdminClient {

    /** Exit code when no gateway answers, as for an LSB init script's {@code status}. */
    static final int EXIT_NOT_RUNNING = 3;
    /** Exit code when the answer breaks the protocol. */
    static final int EXIT_PROTOCOL = 4;

    private final Path socket;

    AdminClient(Path socket) {
        this.socket = socket;
    }

    int run(List<String> arguments, PrintStream out, PrintStream err) {
        if (!Files.exists(socket)) {
            err.println("Palisade is not running: no admin channel at " + socket);
            return EXIT_NOT_RUNNING;
        }
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            writeRequest(Channels.newOutputStream(channel), arguments);
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("o ")) {
                    out.println(line.substring(2));
                } else if (line.startsWith("e ")) {
                    err.println(line.substring(2));
                } else if (line.startsWith("x ")) {
                    out.flush();
                    return Integer.parseInt(line.substring(2).trim());
                } else {
                    err.println("unexpected answer from the gateway: " + line);
                    return EXIT_PROTOCOL;
                }
            }
            err.println("the gateway closed the admin channel without an answer");
            return EXIT_PROTOCOL;
        } catch (java.net.SocketException e) {
            err.println("Palisade is not running: nothing answers at " + socket + " (" + e.getMessage() + ")");
            return EXIT_NOT_RUNNING;
        } catch (IOException | NumberFormatException e) {
            err.println("talking to the gateway at " + socket + " failed: " + e.getMessage());
            return EXIT_PROTOCOL;
        }
    }

    static void writeRequest(OutputStream out, List<String> arguments) throws IOException {
        StringBuilder request = new StringBuilder("PALISADE-ADMIN/1\n").append(arguments.size()).append('\n');
        for (String argument : arguments) {
            if (argument.indexOf('\n') >= 0 || argument.indexOf('\r') >= 0) {
                throw new IOException("an argument contains a line break, which the admin channel cannot carry");
            }
            request.append(argument).append('\n');
        }
        out.write(request.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
