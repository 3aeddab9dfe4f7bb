package dev.palisade.distro;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's reference hub ({@code hub/bin/palisade-hub}, docs/hub.md) run as an integrator
 * runs it, with its data directory under the test's work directory. Used by the ITs that need
 * the real hub's enrollment and child-topic rules.
 */
final class ReferenceHub implements AutoCloseable {

    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");

    final Path data;
    private boolean started;

    ReferenceHub(Path data) {
        this.data = data;
    }

    /** Runs a command that must succeed; returns its output. */
    String ok(String... arguments) throws Exception {
        Result result = run(arguments);
        if (result.exit() != 0) {
            throw new AssertionError("palisade-hub " + String.join(" ", arguments) + " exited " + result.exit() + ": "
                    + result.output() + logTail());
        }
        if (arguments.length > 0 && arguments[0].equals("start")) {
            started = true;
        }
        return result.output();
    }

    /**
     * Uploads a CA and verifies it by proof of possession with {@code bin/palisade pki verification}.
     *
     * @param name the CA's name at the hub
     * @param certificate the CA's PEM certificate
     * @param key the CA's PKCS#8 PEM key
     */
    void registerVerifiedCa(String name, Path certificate, Path key) throws Exception {
        String upload = ok("ca", "upload", "--name", name, certificate.toString());
        Matcher code = CODE.matcher(upload);
        if (!code.find()) {
            throw new AssertionError("ca upload printed no verification code: " + upload);
        }
        Path out = certificate.getParent();
        command(List.of(DistroOptions.home().resolve("bin/palisade").toString(), "pki", "verification", code.group(1),
                "--ca", certificate.toString(), "--ca-key", key.toString(), "--out", out.toString()), "bin/palisade pki verification");
        ok("ca", "verify", name, out.resolve("verification-" + code.group(1) + ".cer").toString());
    }

    record Result(int exit, String output) {
    }

    Result run(String... arguments) throws Exception {
        String basedir = System.getProperty("palisade.distro.basedir");
        if (basedir == null) {
            throw new AssertionError("system property palisade.distro.basedir is not set (Failsafe sets it)");
        }
        Path launcher = Path.of(basedir).resolve("../hub/bin/palisade-hub").normalize();
        if (!Files.isExecutable(launcher)) {
            throw new AssertionError("the reference hub's launcher " + launcher + " is missing");
        }
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PALISADE_HUB_DATA", data.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(150, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish: " + output);
        }
        return new Result(process.exitValue(), output);
    }

    /** @return the hub's log so far */
    String log() {
        try {
            return Files.readString(data.resolve("hub.log"));
        } catch (IOException e) {
            return "";
        }
    }

    String logTail() {
        List<String> log = log().lines().toList();
        return "\nhub.log ends:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size()));
    }

    static String command(List<String> command, String what) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(what + " cannot be started: " + e.getMessage(), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(what + " failed: " + output);
        }
        return output;
    }

    @Override
    public void close() throws Exception {
        if (started) {
            run("stop");
        }
    }
}
