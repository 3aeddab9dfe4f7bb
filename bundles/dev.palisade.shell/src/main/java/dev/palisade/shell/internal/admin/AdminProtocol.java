package dev.palisade.shell.internal.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin channel's wire format, version 1 (written down in docs/admin-channel.md).
 *
 * <p>Request, UTF-8, each line ending in {@code \n}: the line {@value #MAGIC}, then the number
 * of arguments, then one argument per line. Response: any number of lines {@code o TEXT}
 * (standard output) and {@code e TEXT} (standard error), then one line {@code x CODE}, the exit
 * code. Arguments cannot contain a line break; output lines are split at line breaks.
 */
public final class AdminProtocol {

    /** First line of every request; the number is the protocol version. */
    public static final String MAGIC = "PALISADE-ADMIN/1";

    /** Exit code for a request the channel itself refused (malformed, not allowed, busy). */
    public static final int EXIT_REFUSED = 77;

    private final int maxArguments;
    private final int maxRequestBytes;

    /**
     * @param maxArguments how many arguments a request may have
     * @param maxRequestBytes how many bytes a whole request may have
     */
    public AdminProtocol(int maxArguments, int maxRequestBytes) {
        this.maxArguments = maxArguments;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Reads one request.
     *
     * @param in the client's stream
     * @return the arguments, at least one
     * @throws AdminProtocolException when the request is malformed or too large; the message
     *         says what was wrong
     * @throws IOException when the stream fails
     */
    public List<String> readRequest(InputStream in) throws IOException {
        int[] budget = {maxRequestBytes};
        String magic = readLine(in, budget);
        if (!MAGIC.equals(magic)) {
            throw new AdminProtocolException("not an admin request: expected '" + MAGIC + "' as the first line");
        }
        String countLine = readLine(in, budget);
        int count;
        try {
            count = Integer.parseInt(countLine);
        } catch (NumberFormatException e) {
            throw new AdminProtocolException("argument count '" + countLine + "' is not a number");
        }
        if (count < 1 || count > maxArguments) {
            throw new AdminProtocolException("argument count " + count + " is outside 1.." + maxArguments);
        }
        List<String> arguments = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            arguments.add(readLine(in, budget));
        }
        return arguments;
    }

    private static String readLine(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AdminProtocolException("request ended early (truncated)");
            }
            if (--budget[0] < 0) {
                throw new AdminProtocolException("request is larger than the limit");
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    /**
     * Writes a whole response.
     *
     * @param out the stream to the client
     * @param stdout what the command printed
     * @param stderr the command's errors
     * @param exitCode the exit code
     * @throws IOException when the stream fails
     */
    public static void writeResponse(OutputStream out, String stdout, String stderr, int exitCode) throws IOException {
        StringBuilder response = new StringBuilder();
        appendLines(response, 'o', stdout);
        appendLines(response, 'e', stderr);
        response.append("x ").append(exitCode).append('\n');
        out.write(response.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void appendLines(StringBuilder response, char tag, String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : body.split("\r?\n", -1)) {
            response.append(tag).append(' ').append(line).append('\n');
        }
    }

    /** A request that breaks the protocol; the message is sent back to the client. */
    public static final class AdminProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        AdminProtocolException(String message) {
            super(message);
        }
    }
}
