package dev.palisade.distro;

import static org.ops4j.pax.exam.CoreOptions.streamBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import dev.palisade.testkit.TestArchives;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.tinybundles.TinyBundles;
import org.osgi.framework.Constants;

/**
 * Update-set material for the deploy tests: test bundles (plain jars), the distribution's own
 * {@code bin/palisade pki} and {@code bin/palisade bundle sign} run as a publisher runs them, and
 * doctored copies of sets ({@link TestArchives#doctor}). Runs on the host and inside the framework
 * (JDK only), where a configuration that uses it adds {@link #testArchivesBundle()}.
 */
final class DeployItTools {
    static final String PASSWORD = "deploy-it-secret";

    private DeployItTools() {
    }

    /** A bundle jar in {@code dir} (created): its headers, and resources by path. */
    static Path bundle(Path dir, String symbolicName, String version, Map<String, String> headers,
            Map<String, byte[]> resources) throws IOException {
        Files.createDirectories(dir);
        Path jar = Files.createTempFile(dir, symbolicName + "-" + version + "-", ".jar");
        return TestArchives.bundle(jar, symbolicName, version, headers, resources);
    }

    static Path bundle(Path dir, String symbolicName, String version) throws IOException {
        return bundle(dir, symbolicName, version, Map.of(), Map.of("note.txt", (symbolicName + " " + version + " "
                + System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A copy of a bundle jar with manifest headers set (e.g. a higher Bundle-Version, a new
     * header) and everything else as it was: a rebuild of a distribution bundle.
     */
    static Path rebuilt(Path jar, Path out, Map<String, String> headers) throws IOException {
        Files.createDirectories(out.getParent());
        return TestArchives.doctor(jar, out, entries -> {
            java.util.jar.Manifest manifest;
            try {
                manifest = new java.util.jar.Manifest(new java.io.ByteArrayInputStream(entries.get("META-INF/MANIFEST.MF")));
                headers.forEach(manifest.getMainAttributes()::putValue);
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                manifest.write(bytes);
                entries.put("META-INF/MANIFEST.MF", bytes.toByteArray());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(jar + " has no readable manifest", e);
            }
        });
    }

    /**
     * The resources of a test bundle with one immediate DS component, {@code componentName}, in
     * {@code OSGI-INF/<componentName>.xml} (header {@code Service-Component: OSGI-INF/*.xml}),
     * implemented by a class of {@code dev.palisade.distro.deployit} copied from the probe as a
     * class file with the interfaces it implements, each provided as a service. The class uses
     * java.lang only unless the bundle imports what it needs.
     *
     * @param properties component properties (type String)
     */
    static Map<String, byte[]> component(String componentName, Class<?> implementation, Map<String, String> properties)
            throws IOException {
        Map<String, byte[]> resources = new java.util.HashMap<>();
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"" + componentName + "\""
                + " immediate=\"true\"><implementation class=\"" + implementation.getName() + "\"/>");
        properties.forEach((k, v) -> xml.append("<property name=\"").append(k).append("\" value=\"").append(v)
                .append("\"/>"));
        copyClass(implementation, resources);
        if (implementation.getInterfaces().length > 0) {
            xml.append("<service>");
            for (Class<?> provided : implementation.getInterfaces()) {
                xml.append("<provide interface=\"").append(provided.getName()).append("\"/>");
                copyClass(provided, resources);
            }
            xml.append("</service>");
        }
        xml.append("</scr:component>\n");
        resources.put("OSGI-INF/" + componentName + ".xml", xml.toString().getBytes(StandardCharsets.UTF_8));
        return resources;
    }

    static Map<String, byte[]> component(String componentName, Class<?> implementation) throws IOException {
        return component(componentName, implementation, Map.of());
    }

    private static void copyClass(Class<?> type, Map<String, byte[]> resources) throws IOException {
        String classFile = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(classFile)) {
            if (in == null) {
                throw new IOException(classFile + " is not in the test probe");
            }
            resources.put(classFile, in.readAllBytes());
        }
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

    /**
     * The distribution for a deploy IT, in a short temporary directory of its own (the base): the
     * publisher material of {@link #makePublishers} in {@code <base>/keys}, its release root as the
     * gateway's code-signing anchor, {@code etc/dev.palisade.deploy.cfg} as given, the test kit's
     * {@link #testArchivesBundle()}, and the base in the system property {@code baseProperty}.
     *
     * @param deployConfig the deploy bundle's configuration file, given the base
     */
    static Option[] distribution(String directoryName, String baseProperty, Function<Path, String> deployConfig,
            Option... more) throws IOException, InterruptedException {
        Path base = TestDirectories.shortTempDirectory(directoryName);
        Option distribution = DistroOptions.distribution(base);
        makePublishers(DistroOptions.home(), base.resolve("keys"));
        Files.copy(base.resolve("keys/Release-Root.cer"), base.resolve("etc/code-signing/release-root.pem"));
        Files.writeString(base.resolve("etc/dev.palisade.deploy.cfg"), deployConfig.apply(base));
        List<Option> options = new ArrayList<>(List.of(distribution, testArchivesBundle(),
                systemProperty(baseProperty).value(base.toString())));
        options.addAll(List.of(more));
        return options.toArray(new Option[0]);
    }

    /**
     * The test kit's {@link TestArchives} as a bundle, for a configuration whose tests use it
     * inside the framework: the probe holds only this module's test classes, and the test kit
     * is a plain jar.
     */
    static Option testArchivesBundle() {
        return streamBundle(TinyBundles.bundle()
                .setHeader(Constants.BUNDLE_MANIFESTVERSION, "2")
                .setHeader(Constants.BUNDLE_SYMBOLICNAME, "dev.palisade.testkit.archives")
                .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                .setHeader(Constants.EXPORT_PACKAGE, TestArchives.class.getPackageName())
                .addClass(TestArchives.class)
                .build(TinyBundles.rawBuilder())).startLevel(2);
    }
}
