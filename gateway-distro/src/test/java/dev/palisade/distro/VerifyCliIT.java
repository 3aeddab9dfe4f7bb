package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code bin/palisade verify} of the unpacked distribution in real processes, with no gateway
 * running: the field engineer's offline check. The certificates come from the JDK's keytool (the
 * test runner has no Bouncy Castle on its class path), which is also how an integrator may make
 * them.
 */
public class VerifyCliIT {

    private static Path dir;
    private static Path data;

    /** What a run printed, and how it exited. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @BeforeClass
    public static void pki() throws Exception {
        dir = TestDirectories.shortTempDirectory("palisade-verify-it");
        data = dir.resolve("data");
        keytool("-genkeypair", "-alias", "root", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=IT Root,O=Test",
                "-ext", "bc:c=ca:true", "-ext", "ku:c=keyCertSign,cRLSign", "-validity", "365");
        keytool("-exportcert", "-alias", "root", "-rfc", "-file", "root.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=IT Issuing CA,O=Test");
        keytool("-certreq", "-alias", "ca", "-file", "ca.csr");
        keytool("-gencert", "-alias", "root", "-infile", "ca.csr", "-outfile", "ca.pem", "-rfc", "-ext", "bc:c=ca:true",
                "-ext", "ku:c=keyCertSign,cRLSign", "-validity", "300");
        keytool("-genkeypair", "-alias", "device", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=device-1,O=Test");
        keytool("-certreq", "-alias", "device", "-file", "device.csr");
        keytool("-gencert", "-alias", "ca", "-infile", "device.csr", "-outfile", "device.pem", "-rfc", "-ext",
                "ku:c=digitalSignature", "-ext", "eku=clientAuth", "-ext", "san=dns:device-1.plant.example", "-validity", "200");
        // Signed by a CA that no domain trusts.
        keytool("-genkeypair", "-alias", "stranger", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=stranger,O=Test",
                "-ext", "ku:c=digitalSignature", "-ext", "eku=clientAuth");
        keytool("-exportcert", "-alias", "stranger", "-rfc", "-file", "stranger.pem");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-keystore", "ks.p12", "-storetype", "PKCS12", "-storepass", "changeit"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("keytool " + String.join(" ", args) + " did not finish", process.waitFor(60, TimeUnit.SECONDS));
        assertEquals("keytool " + String.join(" ", args) + ":\n" + out, 0, process.exitValue());
    }

    private static ProcessBuilder verify(Path etc, String... args) {
        List<String> command = new ArrayList<>(List.of(DistroOptions.home().resolve("bin/palisade").toString(), "verify"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("PALISADE_DATA", data.toString());
        if (etc != null) {
            builder.environment().put("PALISADE_ETC", etc.toString());
        }
        return builder;
    }

    private static Result run(Path etc, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = verify(etc, args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/palisade verify " + String.join(" ", args) + " did not finish within 120 s");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    public void acceptsOfflineWithNoGatewayRunning() throws Exception {
        assertFalse("no gateway owns this data directory", Files.exists(data.resolve("run/admin.sock")));
        Result accepted = run(null, "--trust", "root.pem", "--leaf", "device.pem", "--untrusted", "ca.pem",
                "--name", "dns:device-1.plant.example", "--purpose", "client");
        assertEquals(accepted.toString(), 0, accepted.exitCode());
        assertTrue(accepted.toString(), accepted.out().startsWith("accepted: trusted in domain (command line) as 'device-1'"));
        assertTrue(accepted.toString(), accepted.out().endsWith("identity: device-1\n"));
        assertFalse("verify never starts a gateway", Files.exists(data.resolve("palisade.pid")));
    }

    @Test
    public void rejectionExitsOneAndCouldNotEvaluateExitsTwo() throws Exception {
        Result stranger = run(null, "--trust", "root.pem", "--leaf", "stranger.pem");
        assertEquals(stranger.toString(), 1, stranger.exitCode());
        assertTrue(stranger.toString(), stranger.err().startsWith("rejected (NO_PATH): certificate 0 (O=Test,CN=stranger): "));
        Result wrongName = run(null, "--trust", "root.pem", "--leaf", "device.pem", "--untrusted", "ca.pem",
                "--name", "dns:device-2.plant.example");
        assertEquals(wrongName.toString(), 1, wrongName.exitCode());
        assertTrue(wrongName.toString(), wrongName.err().contains("(IDENTITY_MISMATCH)"));

        Result csr = run(null, "--trust", "root.pem", "--leaf", "device.csr");
        assertEquals(csr.toString(), 2, csr.exitCode());
        assertTrue(csr.toString(), csr.err().contains("device.csr: no '-----BEGIN CERTIFICATE-----' block"));
        Result missing = run(null, "--trust", "root.pem");
        assertEquals(missing.toString(), 2, missing.exitCode());
        assertTrue(missing.toString(), missing.err().contains("no leaf: give --leaf FILE"));
    }

    @Test
    public void domainFromTheDistributionsEtc() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc-domain/trust"));
        Files.copy(dir.resolve("root.pem"), etc.resolve("root.pem"));
        Files.copy(dir.resolve("ca.pem"), etc.resolve("ca.pem"));
        Files.writeString(etc.resolveSibling("dev.palisade.trust.domain-plant.cfg"), "name = plant-a\nanchors = trust/root.pem\n"
                + "intermediates = trust/ca.pem\nidentity.rule = san-dns\n");
        Result accepted = run(etc.getParent(), "--domain", "plant-a", "--leaf", "device.pem");
        assertEquals(accepted.toString(), 0, accepted.exitCode());
        assertTrue(accepted.toString(), accepted.out().startsWith("accepted: trusted in domain plant-a as 'device-1.plant.example'"));
        Result unknown = run(etc.getParent(), "--domain", "plant-b", "--leaf", "device.pem");
        assertEquals(unknown.toString(), 2, unknown.exitCode());
        assertTrue(unknown.toString(), unknown.err().contains("no trust domain 'plant-b'"));
    }

    @Test
    public void batchAnswersEachLineAsItArrives() throws Exception {
        String device = json(Files.readString(dir.resolve("device.pem")));
        String ca = json(Files.readString(dir.resolve("ca.pem")));
        Process process = verify(null, "--batch", "--trust", "root.pem").redirectError(dir.resolve("batch.err").toFile()).start();
        try (OutputStream in = process.getOutputStream();
                BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            // Each answer is read before the next request is written: the process flushes per line.
            in.write(("{\"id\":1,\"leaf\":" + device + ",\"untrusted\":" + ca + "}\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String first = out.readLine();
            assertTrue(first, first.startsWith("{\"id\":1,\"verdict\":\"accept\","));
            in.write("{\"id\":2,\"leaf\":\"no pem here\"}\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            String second = out.readLine();
            assertTrue(second, second.startsWith("{\"id\":2,\"verdict\":\"skip\",\"reason\":\"line 2: member 'leaf': no '-----BEGIN"));
            in.write(("{\"id\":\"three\",\"leaf\":" + device + "}\nnot json\n").getBytes(StandardCharsets.UTF_8));
            in.close();
            String third = out.readLine();
            assertTrue(third, third.startsWith("{\"id\":\"three\",\"verdict\":\"reject\",") && third.contains("\"code\":\"NO_PATH\""));
            String fourth = out.readLine();
            assertTrue(fourth, fourth.startsWith("{\"id\":null,\"verdict\":\"skip\",\"reason\":\"line 4: not JSON"));
            assertEquals(null, out.readLine());
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals("a skipped line makes the batch exit 2; stderr: " + Files.readString(dir.resolve("batch.err")), 2,
                process.exitValue());
    }

    private static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "\\n") + "\"";
    }
}
