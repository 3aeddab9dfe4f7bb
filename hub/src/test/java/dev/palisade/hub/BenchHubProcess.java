package dev.palisade.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;

/**
 * The reference hub alone in a JVM of its own, for {@link EnrollmentThroughput} with
 * {@code -Dbench.hub=process}: the benchmark's gateway then no longer shares the hub's JVM (heap,
 * JIT, GC, the same threads' CPU). The parent hands over the bench root CA as a PKCS#12 file
 * (password in the environment, never on the command line), this process starts the hub,
 * registers the CA and the bench gateway as the in-JVM mode does, writes its port to
 * {@code <dir>/hub.port} and runs until its standard input is closed (the parent ended), then
 * stops the hub. Not a test.
 */
public final class BenchHubProcess {
    private static final String PASSWORD_VARIABLE = "BENCH_HUB_CA_PASSWORD";
    private static final long START_MILLIS = 180_000;

    private BenchHubProcess() {
    }

    /** The running hub process as the benchmark sees it; closing it stops the hub. */
    record Handle(Process process, int port, Path serverCa) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            try {
                process.getOutputStream().close(); // end of input: the hub stops
            } catch (IOException e) {
                // already gone
            }
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Starts the hub process with the same class path and log configuration as this JVM. */
    static Handle launch(Path dir, TestCredential root) throws Exception {
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Path p12 = dir.resolve("bench-root.p12");
        PkiFiles.writePkcs12(p12, root, password.toCharArray());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        if (System.getProperty("logback.configurationFile") != null) {
            command.add("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"));
        }
        if (System.getProperty("bench.log") != null) { // a log file of its own: two processes, one file each
            command.add("-Dbench.log=" + System.getProperty("bench.log") + ".hub");
        }
        String hubOptions = System.getProperty("bench.hubJvmOpts", "").trim(); // e.g. a JFR recording of the hub alone
        if (!hubOptions.isEmpty()) {
            command.addAll(List.of(hubOptions.split("\\s+")));
        }
        command.add(BenchHubProcess.class.getName());
        command.add(dir.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(PASSWORD_VARIABLE, password);
        Process process = builder.start();
        Path portFile = dir.resolve("hub.port");
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (!Files.exists(portFile)) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("the bench hub process did not start (exit " + (process.isAlive() ? "none, timed out"
                        : process.exitValue()) + "); see its output above");
            }
            Thread.sleep(200);
        }
        int port = Integer.parseInt(Files.readString(portFile, StandardCharsets.UTF_8).trim());
        return new Handle(process, port, dir.resolve("hub/server/hub-test-ca.cer"));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String password = System.getenv(PASSWORD_VARIABLE);
        if (password == null) {
            throw new IllegalStateException(PASSWORD_VARIABLE + " is not set; this process is started by EnrollmentThroughput");
        }
        TestCredential root = PkiFiles.readPkcs12(dir.resolve("bench-root.p12"), password.toCharArray());
        try (HubFixture hub = new HubFixture(dir.resolve("hub"), EnrollmentSettings.defaults(), Clock.systemUTC())) {
            EnrollmentThroughput.register(hub, dir, root);
            Path tmp = dir.resolve("hub.port.tmp");
            Files.writeString(tmp, hub.port + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve("hub.port"));
            InputStream in = System.in;
            while (in.read() >= 0) {
                // until the parent closes our input or ends
            }
        }
        System.exit(0); // the embedded broker leaves non-daemon threads behind its close
    }
}
