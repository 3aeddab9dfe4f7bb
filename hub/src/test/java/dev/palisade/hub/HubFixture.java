package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import org.eclipse.paho.mqttv5.common.MqttException;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/** A running hub on a free loopback port, and the admin command line run in-process. */
final class HubFixture implements AutoCloseable {
    private static final Pattern VERIFICATION_CODE = Pattern.compile("verification code ([0-9A-F]{48})");

    /** HiveMQ re-reads the truststore every 10 s; allow for that plus a loaded machine. */
    private static final long TRUST_RELOAD_MILLIS = 45_000;

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }

    final Path data;
    final HubServer server;
    final int port;

    HubFixture(Path data) throws Exception {
        this(data, dev.palisade.hub.enroll.EnrollmentSettings.defaults(), Clock.systemUTC());
    }

    /** A hub with these enrollment settings and clock (tests move the clock past a challenge's expiry). */
    HubFixture(Path data, dev.palisade.hub.enroll.EnrollmentSettings enrollment, Clock clock) throws Exception {
        this.data = data;
        this.port = freePort();
        this.server = HubServer.start(HubSettings.defaults(data).withPort(port), enrollment, clock);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Path serverCa() {
        return data.resolve("server/hub-test-ca.cer");
    }

    /** Runs {@code palisade-hub --data <data> args...} in-process with the given clock. */
    Result admin(Clock clock, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of("--data", data.toString()));
        argv.addAll(List.of(args));
        int exit = new HubMain(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), clock).run(argv.toArray(new String[0]));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Result admin(String... args) {
        return admin(Clock.systemUTC(), args);
    }

    /**
     * Connects, retrying only while the TLS handshake fails (the broker has not re-read the
     * truststore yet). A CONNACK refusal is thrown at once.
     */
    GatewayClient connect(TestCredential credential, String clientId) throws Exception {
        long deadline = System.currentTimeMillis() + TRUST_RELOAD_MILLIS;
        while (true) {
            try {
                return GatewayClient.connect(port, serverCa(), credential, clientId);
            } catch (MqttException e) {
                if (!isTlsFailure(e) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    static boolean isTlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof java.net.SocketException
                    || t instanceof java.io.EOFException) {
                return true;
            }
        }
        return e instanceof MqttException m && m.getReasonCode() == 32109 /* Paho: connection lost during the handshake */;
    }

    /**
     * Uploads {@code ca} as {@code name} and proves possession of its key with a certificate over the
     * hub's verification code ({@code palisade-hub ca upload}, then {@code ca verify}), as an operator does.
     */
    void verifyCa(String name, TestCredential ca) throws Exception {
        Path cer = data.resolveSibling(name + ".cer");
        PkiFiles.writeCertificates(cer, ca.chain());
        Result upload = admin("ca", "upload", cer.toString());
        assertEquals(0, upload.exit(), upload.toString());
        Matcher m = VERIFICATION_CODE.matcher(upload.out());
        assertTrue(m.find(), upload.toString());
        Path proof = data.resolveSibling(name + "-proof.cer");
        PkiFiles.writeCertificates(proof, TestPki.verificationCertificate(ca, m.group(1), Duration.ofDays(1)).chain());
        Result verify = admin("ca", "verify", name, proof.toString());
        assertEquals(0, verify.exit(), verify.toString());
    }

    @Override
    public void close() {
        server.close();
    }
}
