package dev.palisade.api.upstream;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@link CommandHandler} for a long command that reports its progress to the hub before its
 * answer, for example a deploy request (staged, verified, applying, health gate).
 *
 * <p>The link calls {@link #handle(String, String, byte[], Consumer)} instead of
 * {@link CommandHandler#handle} when the command has a Response Topic. Each progress report is
 * published on the Response Topic with the request's Correlation Data and the user property
 * {@code palisade-status} = {@code progress}; the answer follows as for any command
 * ({@code ok} or {@code error}) and is the last message for that correlation. The link's command
 * timeout counts from the request or from the latest progress report, so a command that keeps
 * reporting may run longer than the timeout in total. Reports after the answer are dropped.
 *
 * @since 1.1
 */
@ConsumerType
public interface ProgressiveCommandHandler extends CommandHandler {

    /**
     * As {@link CommandHandler#handle}, with a way to report progress.
     *
     * @param childId the child the command is for, or {@code null} for the gateway itself
     * @param command the command's name; never {@code null}
     * @param payload the request as sent by the hub; never {@code null}; the handler owns it
     * @param progress takes a self-describing progress report (JSON or CBOR); thread-safe,
     *        never blocks and never throws; never {@code null}
     * @return completes with the response payload; never {@code null}
     */
    CompletionStage<byte[]> handle(String childId, String command, byte[] payload, Consumer<byte[]> progress);
}
