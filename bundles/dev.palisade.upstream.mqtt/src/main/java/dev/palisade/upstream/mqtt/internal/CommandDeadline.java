package dev.palisade.upstream.mqtt.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command timeout of one hub command: it counts from the request, and again from each
 * progress report, so that a long command that keeps saying where it is (a deploy waiting for
 * its health gate) is not cut off while a silent one still is. Thread-safe: reports come from the
 * handler's threads, the timeout from the link's timer.
 */
final class CommandDeadline {

    private final ScheduledExecutorService timer;
    private final Duration timeout;
    private final CompletableFuture<byte[]> answer = new CompletableFuture<>();
    private ScheduledFuture<?> pending;
    private boolean watching;
    private boolean extended;

    CommandDeadline(ScheduledExecutorService timer, Duration timeout) {
        this.timer = timer;
        this.timeout = timeout;
    }

    /**
     * @return completes as {@code result} does, or with a {@link TimeoutException} when the
     *         timeout passes without an answer or a progress report
     */
    CompletableFuture<byte[]> watch(CompletionStage<byte[]> result) {
        result.whenComplete((value, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(value);
            }
        });
        synchronized (this) {
            watching = true;
            if (!answer.isDone()) {
                schedule();
            }
        }
        answer.whenComplete((value, failure) -> cancel());
        return answer;
    }

    /** A progress report: the timeout starts again. @return false if the command has been answered already */
    synchronized boolean extend() {
        if (answer.isDone()) {
            return false;
        }
        extended = true;
        if (watching) {
            schedule();
        }
        return true;
    }

    /** @return whether the handler reported progress at least once */
    synchronized boolean extended() {
        return extended;
    }

    private void schedule() {
        if (pending != null) {
            pending.cancel(false);
        }
        try {
            pending = timer.schedule(() -> answer.completeExceptionally(new TimeoutException()), timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The link is stopping: no answer can be sent any more, so there is nothing to time out.
        }
    }

    private synchronized void cancel() {
        if (pending != null) {
            pending.cancel(false);
        }
    }
}
