package dev.palisade.upstream.mqtt.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto 2 broker for one test, on 127.0.0.1 and an ephemeral port, TLS only with
 * {@code require_certificate true} and {@code use_identity_as_username true}, its server
 * certificate from the test PKI. It can be killed with SIGKILL and started again on the same
 * port (with its persisted sessions). A missing mosquitto fails the test and names the package.
 */
final class Mosquitto implements AutoCloseable {

    final Path directory;
    final int port;
    private Process process;

    /**
     * @param sans the server certificate's names, e.g. {@code ip:127.0.0.1}
     * @param receiveMaximum the Receive Maximum the broker announces ({@code max_inflight_messages}); 0 for none
     */
    Mosquitto(Path directory, TestPki pki, List<String> sans, int receiveMaximum) {
        this.directory = directory;
        this.port = freePort();
        try {
            Files.createDirectories(directory);
            KeyPair serverKeys = TestPki.ecKeys();
            TestPki.writePem(directory.resolve("ca.pem"), pki.ca);
            TestPki.writePem(directory.resolve("server.pem"), pki.server(serverKeys.getPublic(), "hub", sans));
            TestPki.writePem(directory.resolve("server.key"), serverKeys.getPrivate());
            Files.createDirectories(directory.resolve("data"));
            Files.writeString(directory.resolve("mosquitto.conf"), String.join("\n",
                    "per_listener_settings false",
                    "allow_anonymous true",
                    // Stay the user that made the files (mosquitto drops root to user mosquitto otherwise).
                    "user " + System.getProperty("user.name"),
                    "set_tcp_nodelay true",
                    "max_inflight_messages " + receiveMaximum,
                    // Mosquitto's default (1000) drops QoS 1 messages for a slow subscriber silently.
                    "max_queued_messages 0",
                    "persistence true",
                    "persistence_location " + directory.resolve("data") + "/",
                    "autosave_interval 3600",
                    "log_dest file " + directory.resolve("mosquitto.log"),
                    "log_type error",
                    "log_type warning",
                    "log_type notice",
                    "listener " + port + " 127.0.0.1",
                    "cafile " + directory.resolve("ca.pem"),
                    "certfile " + directory.resolve("server.pem"),
                    "keyfile " + directory.resolve("server.key"),
                    "require_certificate true",
                    "use_identity_as_username true",
                    "tls_version tlsv1.2",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String uri() {
        return "ssl://127.0.0.1:" + port;
    }

    Mosquitto start() {
        try {
            process = new ProcessBuilder("mosquitto", "-c", directory.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true).redirectOutput(directory.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("mosquitto is not installed: the link tests need a real broker. Install the Debian"
                    + " package mosquitto (./palisade installs TEST_REQUIREMENTS)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("mosquitto exited with " + process.exitValue() + ": " + log());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException notYet) {
                sleep(20);
            }
        }
        throw new AssertionError("mosquitto did not listen on " + port + " within 15 s: " + log());
    }

    /** Saves the broker's sessions to disk now (SIGUSR1), so that they survive a SIGKILL. */
    void saveSessions() {
        signal("-USR1");
        sleep(300);
    }

    /** SIGKILL: the broker dies mid-stream, as after a crash or a power cut. */
    void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void signal(String signal) {
        dev.palisade.testkit.SoftHsmTestToken.run(List.of("kill", signal, String.valueOf(process.pid())));
    }

    String log() {
        try {
            Path log = directory.resolve("mosquitto.log");
            Path out = directory.resolve("stdout.log");
            return (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(out) ? Files.readString(out) : "");
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
