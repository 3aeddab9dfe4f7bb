package dev.palisade.deploy.internal.set;

import dev.palisade.testkit.TestArchives;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Bundles for the unit tests; doctored sets come from {@link TestArchives#doctor}. */
final class TestSets {
    private TestSets() {
    }

    /** A minimal bundle jar with one resource, so that different {@code content} gives a different digest. */
    static Path bundle(Path dir, String symbolicName, String version, String content) throws IOException {
        Path jar = dir.resolve(symbolicName + "-" + version + "-" + Math.abs(content.hashCode()) + ".jar");
        return TestArchives.bundle(jar, symbolicName, version, Map.of(),
                Map.of("content.txt", content.getBytes(StandardCharsets.UTF_8)));
    }
}
