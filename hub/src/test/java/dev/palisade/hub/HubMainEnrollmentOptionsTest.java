package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --hub-id}, {@code --challenge-seconds} and {@code --enrollment-in-flight}: bad values are usage errors before anything starts. */
class HubMainEnrollmentOptionsTest {

    @TempDir
    Path data;

    private String[] run(String... options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[options.length + 3];
        argv[0] = "--data";
        argv[1] = data.toString();
        argv[2] = "run";
        System.arraycopy(options, 0, argv, 3, options.length);
        int exit = new HubMain(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), Clock.systemUTC()).run(argv);
        return new String[] {String.valueOf(exit), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void aHubIdThatIsNotAnIdIsAUsageError() {
        String[] r = run("--port", "1", "--hub-id", "hub/1");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("hub id 'hub/1' is not an id"), r[1]);
    }

    @Test
    void aChallengeLifetimeOutsideOneSecondToTenMinutesIsAUsageError() {
        String[] r = run("--port", "1", "--challenge-seconds", "601");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--challenge-seconds"), r[1]);
    }

    @Test
    void anEnrollmentBoundOutsideOneToTenThousandIsAUsageError() {
        String[] r = run("--port", "1", "--enrollment-in-flight", "0");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--enrollment-in-flight must be a number from 1 to 10000"), r[1]);
    }
}
