package dev.palisade.deploy.internal.set;

import dev.palisade.api.deploy.BundleInfo;
import dev.palisade.api.deploy.DeployRefusal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signed part of an update set: which bundles it carries, each with its version, SHA-256 and
 * file inside the set. Its text form is canonical — exactly one byte sequence per content — so
 * that the signature covers what the gateway reads and nothing else:
 *
 * <pre>
 * palisade-update-set: 1
 * created: 2026-11-21T22:00:00Z
 * bundle: dev.palisade.shell 0.1.0.SNAPSHOT 3f2a…(64 hex) bundles/dev.palisade.shell.jar
 * </pre>
 *
 * UTF-8 (in practice ASCII), LF line ends, one space between fields, a final LF, bundles in the
 * publisher's order, at least one, each symbolic name and file once. {@link #parse} refuses any
 * other spelling, so parse-then-{@link #canonicalBytes} gives back the signed bytes exactly.
 *
 * @param created when the publisher made the set, whole seconds, UTC
 * @param bundles the bundles, in order; never empty
 */
public record SetManifest(Instant created, List<Entry> bundles) {

    /** The first line: names the format and its version, and separates this signature domain. */
    static final String HEADER = "palisade-update-set: 1";
    /** The most bundles a set may carry: a bound on work done before the signature is known good. */
    static final int MAX_BUNDLES = 200;

    private static final Pattern SYMBOLIC_NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Pattern VERSION = Pattern.compile("\\d{1,9}(\\.\\d{1,9}(\\.\\d{1,9}(\\.[A-Za-z0-9_-]+)?)?)?");
    private static final Pattern FILE = Pattern.compile("bundles/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\\.jar");
    private static final Pattern BUNDLE_LINE = Pattern.compile("bundle: (\\S+) (\\S+) ([0-9a-f]{64}) (\\S+)");

    /**
     * One bundle of the set.
     *
     * @param info symbolic name, version and SHA-256 of the jar
     * @param file the jar's entry name inside the set, {@code bundles/<name>.jar}
     */
    public record Entry(BundleInfo info, String file) {
        /** Validates the names against the format. */
        public Entry {
            Objects.requireNonNull(info, "info");
            Objects.requireNonNull(file, "file");
            if (!SYMBOLIC_NAME.matcher(info.symbolicName()).matches()) {
                throw new IllegalArgumentException("'" + info.symbolicName() + "' is not a bundle symbolic name");
            }
            if (!VERSION.matcher(info.version()).matches()) {
                throw new IllegalArgumentException("'" + info.version() + "' of " + info.symbolicName()
                        + " is not an OSGi version (major.minor.micro.qualifier)");
            }
            if (!FILE.matcher(file).matches()) {
                throw new IllegalArgumentException("'" + file + "' is not a bundle file name of the form"
                        + " bundles/NAME.jar (letters, digits, '.', '_', '-')");
            }
        }
    }

    /** Validates and copies. */
    public SetManifest {
        Objects.requireNonNull(created, "created");
        created = created.truncatedTo(ChronoUnit.SECONDS);
        bundles = List.copyOf(bundles);
        if (bundles.isEmpty()) {
            throw new IllegalArgumentException("an update set needs at least one bundle");
        }
        if (bundles.size() > MAX_BUNDLES) {
            throw new IllegalArgumentException("an update set holds at most " + MAX_BUNDLES + " bundles, this one "
                    + bundles.size());
        }
        Set<String> names = new HashSet<>();
        Set<String> files = new HashSet<>();
        for (Entry e : bundles) {
            if (!names.add(e.info().symbolicName())) {
                throw new IllegalArgumentException("bundle " + e.info().symbolicName() + " is listed twice");
            }
            if (!files.add(e.file())) {
                throw new IllegalArgumentException("file " + e.file() + " is listed twice");
            }
        }
    }

    /** @return the canonical text, the bytes the publisher signs */
    public byte[] canonicalBytes() {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        text.append("created: ").append(created).append('\n');
        for (Entry e : bundles) {
            text.append("bundle: ").append(e.info().symbolicName()).append(' ').append(e.info().version())
                    .append(' ').append(e.info().sha256()).append(' ').append(e.file()).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a manifest, refusing every spelling but the canonical one.
     *
     * @param bytes the manifest entry's bytes
     * @return the manifest
     * @throws SetRefusedException {@link DeployRefusal#MALFORMED}, naming the line that is wrong
     */
    public static SetManifest parse(byte[] bytes) throws SetRefusedException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("it is not UTF-8 text");
        }
        if (!text.endsWith("\n") || text.contains("\r")) {
            throw malformed("lines must end with LF only, including the last");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (!lines[0].equals(HEADER)) {
            throw malformed("line 1 must be '" + HEADER + "' (an unknown format or version)");
        }
        if (lines.length < 3 || !lines[1].startsWith("created: ")) {
            throw malformed("line 2 must be 'created: <UTC time>' and at least one 'bundle:' line must follow");
        }
        Instant created;
        try {
            created = Instant.parse(lines[1].substring("created: ".length()));
        } catch (DateTimeParseException e) {
            throw malformed("line 2: '" + lines[1] + "' is not a UTC time such as 2026-11-21T22:00:00Z");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            Matcher m = BUNDLE_LINE.matcher(lines[i]);
            if (!m.matches()) {
                throw malformed("line " + (i + 1) + ": expected 'bundle: NAME VERSION SHA256 FILE', got '"
                        + shorten(lines[i]) + "'");
            }
            try {
                entries.add(new Entry(new BundleInfo(m.group(1), m.group(2), m.group(3)), m.group(4)));
            } catch (IllegalArgumentException e) {
                throw malformed("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        SetManifest manifest;
        try {
            manifest = new SetManifest(created, entries);
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
        if (!java.util.Arrays.equals(manifest.canonicalBytes(), bytes)) {
            throw malformed("it is not in canonical form (line 2: write the time as "
                    + manifest.created() + ")");
        }
        return manifest;
    }

    private static String shorten(String line) {
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }

    private static SetRefusedException malformed(String why) {
        return new SetRefusedException(DeployRefusal.MALFORMED, "manifest " + UpdateSetFormat.MANIFEST + ": " + why);
    }
}
