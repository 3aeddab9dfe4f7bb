package dev.palisade.upstream.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command timeout that a progress report starts again. */
class CommandDeadlineTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aSilentCommandTimesOut() {
        CommandDeadline deadline = new CommandDeadline(timer, Duration.ofMillis(100));
        CompletableFuture<byte[]> answer = deadline.watch(new CompletableFuture<>());
        ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(5, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertFalse(deadline.extended());
    }

    @Test
    void progressReportsKeepACommandAliveBeyondTheTimeout() throws Exception {
        CommandDeadline deadline = new CommandDeadline(timer, Duration.ofMillis(1_000));
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        CompletableFuture<byte[]> answer = deadline.watch(result);
        for (int i = 0; i < 8; i++) { // 8 x 200 ms: 1.6 times the timeout in total, never 1 s silent
            Thread.sleep(200);
            assertTrue(deadline.extend(), "report " + i);
        }
        assertFalse(answer.isDone(), "timed out although it kept reporting");
        result.complete(new byte[] {42});
        assertEquals(42, answer.get(5, TimeUnit.SECONDS)[0]);
        assertTrue(deadline.extended());
        assertFalse(deadline.extend(), "a report after the answer must be dropped");
    }

    @Test
    void aReportDuringTheHandlerCallAndAnAnswerAtOnceAreKept() throws Exception {
        CommandDeadline deadline = new CommandDeadline(timer, Duration.ofSeconds(30));
        assertTrue(deadline.extend(), "a report before watch() (from inside handle) is published");
        CompletableFuture<byte[]> answer = deadline.watch(CompletableFuture.completedFuture(new byte[] {7}));
        assertEquals(7, answer.get(1, TimeUnit.SECONDS)[0]);
    }
}
