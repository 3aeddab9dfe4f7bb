package dev.palisade.distro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Update-set material for the deploy tests: test bundles (plain jars), the distribution's own
 * {@code bin/palisade pki} and {@code bin/palisade bundle sign} run as a publisher runs them, and
 * doctored copies of sets. Runs on the host and inside the framework (JDK only).
 */
final class DeployItTools {
    static final String PASSWORD = "deploy-it-secret";

    private DeployItTools() {
    }

    /** A bundle jar: its headers, and resources by path. */
    static Path bundle(Path dir, String symbolicName, String version, Map<String, String> headers,
            Map<String, byte[]> resources) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        headers.forEach(main::putValue);
        Files.createDirectories(dir);
        Path jar = Files.createTempFile(dir, symbolicName + "-" + version + "-", ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> r : resources.entrySet()) {
                out.putNextEntry(new JarEntry(r.getKey()));
                out.write(r.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    static Path bundle(Path dir, String symbolicName, String version) throws IOException {
        return bundle(dir, symbolicName, version, Map.of(), Map.of("note.txt", (symbolicName + " " + version + " "
                + System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Runs bin/palisade with {@code arguments}; fails the test with its output unless it exits 0. */
    static String palisade(Path home, Path workDir, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/palisade").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("PALISADE_PKI_PASSWORD", PASSWORD);
        builder.environment().put("PALISADE_HOME", home.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("bin/palisade " + String.join(" ", arguments) + " failed: " + output);
        }
        return output;
    }

    /** Makes the publisher material under {@code dir}: a release root, a publisher, a device (not for code signing), a stranger. */
    static void makePublishers(Path home, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        palisade(home, dir, "pki", "root", "Release-Root", "--out", dir.toString());
        palisade(home, dir, "pki", "publisher", "acme-releases", "--ca", dir.resolve("Release-Root.pfx").toString(),
                "--out", dir.toString());
        palisade(home, dir, "pki", "device", "not-a-publisher", "--ca", dir.resolve("Release-Root.pfx").toString(),
                "--out", dir.toString());
        palisade(home, dir, "pki", "root", "Stranger-Root", "--out", dir.toString());
        palisade(home, dir, "pki", "publisher", "stranger", "--ca", dir.resolve("Stranger-Root.pfx").toString(),
                "--out", dir.toString());
    }

    /** Signs a set with {@code bin/palisade bundle sign}. */
    static Path sign(Path home, Path keys, String publisher, Path out, Path... jars) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bundle", "sign", "--key", keys.resolve(publisher + ".pfx").toString(),
                "--out", out.toString()));
        for (Path jar : jars) {
            args.add(jar.toString());
        }
        palisade(home, keys, args.toArray(new String[0]));
        return out;
    }

    /** Copies a set, letting {@code change} alter its entries on the way. */
    static Path doctor(Path set, Path out, Consumer<Map<String, byte[]>> change) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream file = Files.newInputStream(set); ZipInputStream in = new ZipInputStream(file)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                entries.put(e.getName(), bytes.toByteArray());
            }
        }
        change.accept(entries);
        try (OutputStream file = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }
}
