package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * {@code hub/bin/palisade-hub} as an operator (or {@code ./palisade demo}) runs it, after
 * {@code package}: start, admin commands from another process while it runs, a gateway
 * connecting, status, stop.
 */
class HubLauncherIT {
    private static final Path LAUNCHER = Path.of("bin/palisade-hub").toAbsolutePath();
    @TempDir
    Path tmp;
    Path data;

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (data != null) {
            launcher("stop");
        }
    }

    @Test
    void startAdministerConnectStop() throws Exception {
        data = tmp.resolve("data");
        int port = HubFixture.freePort();
        Result start = launcher("start", "--port", String.valueOf(port));
        assertEquals(0, start.exit(), start.toString());
        assertTrue(start.out().startsWith("Palisade hub started (pid "), start.toString());
        assertEquals("127.0.0.1:" + port, Files.readString(data.resolve("hub.ready")).trim());

        Result status = launcher("status");
        assertEquals(0, status.exit(), status.toString());

        TestCredential root = TestPki.rootCa("Launcher-Root", Duration.ofDays(30));
        Path rootCer = tmp.resolve("root.cer");
        PkiFiles.writeCertificates(rootCer, root.chain());
        Result upload = launcher("ca", "upload", rootCer.toString());
        assertEquals(0, upload.exit(), upload.toString());
        String code = upload.out().replaceAll("(?s).*verification code ([0-9A-F]{48}).*", "$1");
        Path proof = tmp.resolve("proof.cer");
        PkiFiles.writeCertificates(proof, List.of(TestPki.verificationCertificate(root, code, Duration.ofDays(1))
                .certificate()));
        Result verify = launcher("ca", "verify", "Launcher-Root", proof.toString());
        assertEquals(0, verify.exit(), verify.toString());
        assertEquals(0, launcher("device", "add", "gw-l", "--gateway", "--ca-chain").exit());

        // The running hub sees what another process registered: the gateway connects.
        TestCredential gw = TestPki.leaf(root, "gw-l", TestPki.Kind.GATEWAY, Duration.ofDays(30));
        long deadline = System.currentTimeMillis() + 45_000;
        GatewayClient client = null;
        while (client == null) {
            try {
                client = GatewayClient.connect(port, data.resolve("server/hub-test-ca.cer"), gw, "gw-l");
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                if (!HubFixture.isTlsFailure(e) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
        try (GatewayClient c = client) {
            assertTrue(c.publish("palisade/v1/gw-l/status", "up") < 0x80);
        }

        Result stop = launcher("stop");
        assertEquals(0, stop.exit(), stop.toString());
        assertFalse(Files.exists(data.resolve("hub.ready")), "hub.ready is removed on a clean stop");
        assertEquals(3, launcher("status").exit());
        assertTrue(Files.readString(data.resolve("hub.log")).contains("gateway 'gw-l' connected"));
    }

    private Result launcher(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("PALISADE_HUB_DATA", data.toString());
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process process = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("palisade-hub " + String.join(" ", arguments) + " did not finish in 180 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
