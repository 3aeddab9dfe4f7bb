package dev.palisade.distro;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ops4j.pax.exam.Option;

/**
 * Pax Exam options that boot exactly what the assembled distribution ships: every jar of its
 * {@code bundle/} folder, its {@code conf/config.properties} as framework properties, and its
 * {@code etc/} as the configuration directory. Only what Pax Exam itself must own is left out:
 * the framework storage and the auto-deploy of bundle/ (Pax Exam installs the bundles itself).
 *
 * <p>Host side: runs in the test runner, not in the framework.
 */
public final class DistroOptions {

    /** System property (set by Failsafe) naming the unpacked distribution. */
    public static final String DISTRO_PROPERTY = "palisade.distro";

    /** Keys of config.properties that Pax Exam owns in a test. */
    private static final Set<String> OWNED_BY_PAX_EXAM = Set.of(
            "org.osgi.framework.storage", "org.osgi.framework.storage.clean",
            "felix.auto.deploy.dir", "felix.auto.deploy.action", "felix.auto.start.1",
            "felix.startlevel.bundle", "org.osgi.framework.startlevel.beginning");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");

    private DistroOptions() {
    }

    /** @return the unpacked distribution named by {@value #DISTRO_PROPERTY} */
    public static Path home() {
        String home = System.getProperty(DISTRO_PROPERTY);
        if (home == null || !Files.isDirectory(Path.of(home, "bundle"))) {
            throw new IllegalStateException("system property " + DISTRO_PROPERTY + " must name an unpacked"
                    + " distribution (run the tests with 'mvn verify', which assembles it first); got " + home);
        }
        return Path.of(home);
    }

    /**
     * @param base a directory of this test's own (created); the gateway's data directory and a
     *        private copy of the distribution's {@code etc/} go below it, so a test may edit its
     *        configuration files. Keep its path short: the admin socket path below it is
     *        limited to 107 bytes
     * @return the options
     */
    public static Option distribution(Path base) {
        Path home = home();
        Path etc = copyTree(home.resolve("etc"), base.resolve("etc"));
        Path data = base.resolve("data");
        Map<String, String> directories = Map.of(
                "palisade.home", home.toString(),
                "palisade.etc", etc.toString(),
                "palisade.data", data.toString(),
                "palisade.log", data.resolve("log").toString());
        List<Option> options = new ArrayList<>();
        // The launcher passes the directories as system properties; log4j2.xml reads them as such.
        directories.forEach((key, value) -> options.add(systemProperty(key).value(value)));
        directories.forEach((key, value) -> options.add(frameworkProperty(key).value(value)));
        Properties config = load(home.resolve("conf/config.properties"));
        for (String key : config.stringPropertyNames()) {
            if (!OWNED_BY_PAX_EXAM.contains(key)) {
                options.add(frameworkProperty(key).value(substitute(config.getProperty(key), directories)));
            }
        }
        options.add(junitBundles());
        try (Stream<Path> jars = Files.list(home.resolve("bundle"))) {
            jars.filter(jar -> jar.toString().endsWith(".jar")).sorted().forEach(jar -> {
                // As in the distribution, logging starts first (level 1) and stops last.
                boolean logging = jar.getFileName().toString().startsWith("pax-logging-");
                options.add(bundle(jar.toUri().toString()).startLevel(logging ? 1 : 2));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return composite(options.toArray(new Option[0]));
    }

    private static Path copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    private static Properties load(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return properties;
    }

    private static String substitute(String value, Map<String, String> variables) {
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement = variables.get(matcher.group(1));
            if (replacement == null) {
                throw new IllegalStateException("config.properties uses ${" + matcher.group(1)
                        + "}, which the launcher does not set");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return matcher.appendTail(out).toString();
    }
}
