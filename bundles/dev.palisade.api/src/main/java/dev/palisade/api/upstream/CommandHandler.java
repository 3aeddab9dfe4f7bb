package dev.palisade.api.upstream;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Handles a command the hub sends to the gateway or to one of its children, and answers it.
 * Register it as an OSGi service (whiteboard) with the service property {@value #COMMAND}
 * naming the command(s) it handles, for example {@code write} or {@code deploy}.
 *
 * <p>Commands arrive on {@code palisade/v1/<gateway>/cmd/<command>} (for the gateway) and
 * {@code palisade/v1/<gateway>/d/<child>/cmd/<command>} (for a child). The link answers on the
 * request's Response Topic with its Correlation Data. A command name is one topic level of
 * lower-case letters, digits and {@code -}. When several handlers name the same command, the one
 * with the highest service ranking gets it; a command nobody handles is answered with an
 * "unknown command" error by the link.
 *
 * <p>{@link #handle} is called on a thread of the link and must not block: start the work and
 * return a stage. If the stage completes exceptionally, or not within the link's configured
 * command timeout, the link answers with an error naming the exception's message.
 */
@ConsumerType
public interface CommandHandler {

    /** Service property: the command name(s) this handler serves ({@code String} or {@code String[]}). */
    String COMMAND = "palisade.command";

    /**
     * @param childId the child the command is for, or {@code null} for a command to the
     *        gateway itself; the handler answers with an error if it does not know the child
     * @param command the command's name, one of those in {@value #COMMAND}; never {@code null}
     * @param payload the request as sent by the hub; never {@code null}; the handler owns it
     * @return completes with the response payload (self-describing, JSON or CBOR); never
     *         {@code null}
     */
    CompletionStage<byte[]> handle(String childId, String command, byte[] payload);
}
