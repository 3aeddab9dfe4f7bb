package dev.palisade.distro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Speaks the admin channel's protocol (docs/admin-channel.md) from a test, byte for byte, so
 * that the tests check the wire format itself rather than a shared codec.
 */
final class AdminChannelClient {

    /** What the gateway answered. */
    record Answer(String out, String err, int exitCode) {
    }

    private AdminChannelClient() {
    }

    static Answer send(Path socket, List<String> arguments) throws IOException {
        StringBuilder request = new StringBuilder("PALISADE-ADMIN/1\n").append(arguments.size()).append('\n');
        arguments.forEach(argument -> request.append(argument).append('\n'));
        return sendRaw(socket, request.toString());
    }

    static Answer sendRaw(Path socket, String request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(StandardCharsets.UTF_8.encode(request));
            channel.shutdownOutput();
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("o ")) {
                    out.append(line.substring(2)).append('\n');
                } else if (line.startsWith("e ")) {
                    err.append(line.substring(2)).append('\n');
                } else if (line.startsWith("x ")) {
                    return new Answer(out.toString(), err.toString(), Integer.parseInt(line.substring(2)));
                } else {
                    throw new IOException("line outside the protocol: " + line);
                }
            }
            throw new IOException("the gateway closed the channel without an exit code");
        }
    }
}
