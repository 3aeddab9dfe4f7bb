package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Test;

/**
 * {@code bin/palisade pki} of the assembled distribution, run as an operator runs it: it needs
 * no running gateway, finds its Bouncy Castle jars in bundle/, and says that what it makes is
 * for testing.
 */
public class PkiLauncherIT {
    private Path home;
    private Path dir;
    /** Made per run: no fixed password in the code. */
    private final String password = "it-" + java.util.UUID.randomUUID();

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Before
    public void setUp() throws IOException {
        home = DistroOptions.home();
        dir = TestDirectories.shortTempDirectory("palisade-pki-it");
    }

    @Test
    public void makesAChainAndAVerificationCertificateAndInspectsThem() throws Exception {
        assertEquals(0, pki("root", "Plant-Root", "--out", dir.toString()).exitCode());
        assertEquals(0, pki("intermediate", "Plant-Issuing", "--ca", dir + "/Plant-Root.pfx", "--out", dir.toString())
                .exitCode());
        Result gw = pki("gateway", "gw-001", "--ca", dir + "/Plant-Issuing.pfx", "--out", dir.toString());
        assertEquals(gw.toString(), 0, gw.exitCode());
        assertTrue(gw.toString(), gw.out().contains("TEST ONLY"));
        Result v = pki("verification", "C0FFEE00C0FFEE00", "--ca", dir + "/Plant-Root.pfx", "--out", dir.toString());
        assertEquals(v.toString(), 0, v.exitCode());

        Result inspect = pki("inspect", dir + "/gw-001.cer");
        assertEquals(inspect.toString(), 0, inspect.exitCode());
        assertTrue(inspect.toString(), inspect.out().contains("3 certificate(s)"));
        assertTrue(inspect.toString(), inspect.out().contains("CN=gw-001"));
        assertTrue(inspect.toString(), inspect.out().contains("test only   yes"));
        assertTrue(Files.readString(dir.resolve("verification-C0FFEE00C0FFEE00.cer")).contains("FOR TESTING ONLY"));
    }

    @Test
    public void usageErrorsExitTwo() throws Exception {
        Result r = pki("device", "d-1");
        assertEquals(r.toString(), 2, r.exitCode());
        assertTrue(r.toString(), r.err().contains("needs --ca"));
    }

    private Result pki(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/palisade").toString());
        command.add("pki");
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("PALISADE_PKI_PASSWORD", password);
        builder.environment().put("PALISADE_HOME", home.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/palisade pki " + String.join(" ", arguments) + " did not finish in 60 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
