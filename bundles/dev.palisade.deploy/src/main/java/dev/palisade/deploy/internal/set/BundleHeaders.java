package dev.palisade.deploy.internal.set;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * The identity an OSGi bundle jar declares in its manifest.
 *
 * @param symbolicName Bundle-SymbolicName without directives
 * @param version Bundle-Version, {@code 0.0.0} when absent (as the framework reads it)
 */
public record BundleHeaders(String symbolicName, String version) {

    /**
     * @param jar the jar's bytes
     * @param where names the jar in error messages
     * @return its headers
     * @throws IOException if it is not a jar or not a bundle (the message names {@code where})
     */
    public static BundleHeaders read(byte[] jar, String where) throws IOException {
        Manifest manifest;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            manifest = in.getManifest();
        } catch (IOException | RuntimeException e) {
            throw new IOException(where + " is not a readable jar: " + e.getMessage(), e);
        }
        return of(manifest, where);
    }

    private static BundleHeaders of(Manifest manifest, String where) throws IOException {
        if (manifest == null) {
            throw new IOException(where + " has no META-INF/MANIFEST.MF: it is not a bundle");
        }
        String name = manifest.getMainAttributes().getValue("Bundle-SymbolicName");
        if (name == null || name.isBlank()) {
            throw new IOException(where + " has no Bundle-SymbolicName: it is not an OSGi bundle");
        }
        String version = manifest.getMainAttributes().getValue("Bundle-Version");
        return new BundleHeaders(name.split(";", 2)[0].trim(),
                version == null || version.isBlank() ? "0.0.0" : version.trim());
    }

    /** The headers of a jar file, read without loading the whole jar. */
    public static BundleHeaders read(Path jar) throws IOException {
        Manifest manifest;
        try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile(), false)) {
            manifest = file.getManifest();
        } catch (IOException | RuntimeException e) {
            throw new IOException(jar.getFileName() + " is not a readable jar: " + e.getMessage(), e);
        }
        return of(manifest, jar.getFileName().toString());
    }
}
