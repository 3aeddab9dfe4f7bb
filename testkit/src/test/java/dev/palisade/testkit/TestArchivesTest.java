package dev.palisade.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestArchivesTest {

    @TempDir
    Path dir;

    @Test
    void aBundleHasItsHeadersAndResources() throws IOException {
        Path jar = TestArchives.bundle(dir.resolve("a.jar"), "it.a", "1.2.3", Map.of("Import-Package", "it.nowhere"),
                Map.of("OSGI-INF/x.xml", "<x/>".getBytes(StandardCharsets.UTF_8)));
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals("2", main.getValue("Bundle-ManifestVersion"));
            assertEquals("it.a", main.getValue("Bundle-SymbolicName"));
            assertEquals("1.2.3", main.getValue("Bundle-Version"));
            assertEquals("it.nowhere", main.getValue("Import-Package"));
            assertArrayEquals("<x/>".getBytes(StandardCharsets.UTF_8), file.getInputStream(file.getEntry("OSGI-INF/x.xml")).readAllBytes());
        }
    }

    @Test
    void aDoctoredCopyHasTheChangedEntriesInTheirOrder() throws IOException {
        Path original = TestArchives.bundle(dir.resolve("set.zip"), "it.set", "1.0.0", Map.of(),
                Map.of("sig", new byte[] {1}));
        Path copy = TestArchives.doctor(original, dir.resolve("copy.zip"), entries -> {
            entries.remove("sig");
            entries.put("added.txt", "added".getBytes(StandardCharsets.UTF_8));
        });
        try (ZipFile zip = new ZipFile(copy.toFile())) {
            assertNull(zip.getEntry("sig"));
            assertEquals(List.of("META-INF/MANIFEST.MF", "added.txt"), zip.stream().map(e -> e.getName()).toList());
            assertArrayEquals("added".getBytes(StandardCharsets.UTF_8), zip.getInputStream(zip.getEntry("added.txt")).readAllBytes());
        }
    }
}
