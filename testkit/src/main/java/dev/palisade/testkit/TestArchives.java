package dev.palisade.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Update-set material for the deploy tests, shared by the deploy bundle's unit tests and the
 * distribution's ITs: minimal bundle jars, and doctored copies of signed sets.
 *
 * <p>JDK only, and no nested classes: the distribution's ITs also run it inside the framework,
 * as a bundle built from this one class.
 */
public final class TestArchives {

    private TestArchives() {
    }

    /**
     * Writes a bundle jar.
     *
     * @param jar the file to write (its directory must exist)
     * @param symbolicName its {@code Bundle-SymbolicName}
     * @param version its {@code Bundle-Version}
     * @param headers further manifest headers
     * @param resources its entries by path
     * @return {@code jar}
     */
    public static Path bundle(Path jar, String symbolicName, String version, Map<String, String> headers,
            Map<String, byte[]> resources) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", version);
        headers.forEach(main::putValue);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, byte[]> r : resources.entrySet()) {
                out.putNextEntry(new JarEntry(r.getKey()));
                out.write(r.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    /**
     * A bundle manifest with the micro part of its {@code Bundle-Version} raised: a newer release
     * of the same bundle, as a publisher would ship it (the qualifier is kept).
     *
     * @param manifest the bytes of {@code META-INF/MANIFEST.MF}
     * @param by how much to raise the micro part; positive
     * @return the new manifest's bytes
     */
    public static byte[] withMicroVersionRaised(byte[] manifest, int by) {
        try {
            Manifest parsed = new Manifest(new java.io.ByteArrayInputStream(manifest));
            Attributes main = parsed.getMainAttributes();
            String[] parts = main.getValue("Bundle-Version").trim().split("\\.", 4);
            int micro = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
            main.putValue("Bundle-Version", (parts[0]) + "." + (parts.length > 1 ? parts[1] : "0") + "." + (micro + by)
                    + (parts.length > 3 ? "." + parts[3] : ""));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            parsed.write(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Copies a ZIP (an update set), letting {@code change} alter its entries on the way: to
     * tamper with a signed set, drop its signature, add a file.
     *
     * @param zip the original
     * @param out the copy to write
     * @param change alters the entries, by name, in their order
     * @return {@code out}
     */
    public static Path doctor(Path zip, Path out, Consumer<Map<String, byte[]>> change) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream file = Files.newInputStream(zip); ZipInputStream in = new ZipInputStream(file)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                entries.put(e.getName(), bytes.toByteArray());
            }
        }
        change.accept(entries);
        try (OutputStream file = Files.newOutputStream(out); ZipOutputStream copy = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                copy.putNextEntry(new ZipEntry(e.getKey()));
                copy.write(e.getValue());
                copy.closeEntry();
            }
        }
        return out;
    }
}
