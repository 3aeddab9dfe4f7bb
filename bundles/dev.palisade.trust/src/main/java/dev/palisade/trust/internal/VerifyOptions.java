package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of one {@code palisade verify} evaluation, from the command line (certificate and
 * CRL options name PEM files) or from a {@code --batch} line (the same names without {@code --},
 * holding PEM text). A batch line starts from a copy of the command line's options.
 */
final class VerifyOptions {

    /** PEM text and what to call it in messages (the file, or the JSON member). */
    record Pem(String source, String text) {
    }

    /** The options taking a value; {@code --batch} and {@code --help} are flags. */
    static final Set<String> NAMES = Set.of("trust", "leaf", "untrusted", "crls", "time", "purpose", "eku", "key-usage",
            "name", "max-depth", "domain");

    Pem trust;
    Pem leaf;
    Pem untrusted;
    Pem crls;
    Long time;
    Purpose purpose = Purpose.CLIENT;
    List<String> eku;
    List<String> keyUsages = new ArrayList<>();
    List<String> names = new ArrayList<>();
    Integer maxDepth;
    String domain;
    boolean batch;
    boolean help;

    VerifyOptions copy() {
        VerifyOptions copy = new VerifyOptions();
        copy.trust = trust;
        copy.leaf = leaf;
        copy.untrusted = untrusted;
        copy.crls = crls;
        copy.time = time;
        copy.purpose = purpose;
        copy.eku = eku == null ? null : new ArrayList<>(eku);
        copy.keyUsages = new ArrayList<>(keyUsages);
        copy.names = new ArrayList<>(names);
        copy.maxDepth = maxDepth;
        copy.domain = domain;
        return copy;
    }

    /**
     * @param args the command line after {@code verify}
     * @return the options, with certificate and CRL files read
     * @throws IllegalArgumentException for an unknown option or a bad value
     * @throws IOException naming a file that cannot be read
     */
    static VerifyOptions parse(List<String> args) throws IOException {
        VerifyOptions options = new VerifyOptions();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--batch")) {
                options.batch = true;
                continue;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                options.help = true;
                continue;
            }
            String name;
            String value;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 2) {
                name = arg.substring(2, equals);
                value = arg.substring(equals + 1);
            } else if (arg.startsWith("--")) {
                name = arg.substring(2);
                if (!NAMES.contains(name)) {
                    throw new IllegalArgumentException("unknown option '" + Text.safe(arg) + "'");
                }
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("option " + arg + " needs a value");
                }
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + Text.safe(arg) + "' (every value follows its --option)");
            }
            options.set(name, value, true);
        }
        return options;
    }

    /**
     * Applies a batch line's members over these options.
     *
     * @param request the line's object, without {@code id}
     * @throws IllegalArgumentException naming the member and what is wrong with it
     */
    void apply(Map<String, Object> request) throws IOException {
        for (Map.Entry<String, Object> member : request.entrySet()) {
            String name = member.getKey();
            Object value = member.getValue();
            if (name.equals("name")) {
                names.clear();
            }
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown member '" + Text.safe(name) + "' (known: id, "
                        + String.join(", ", new java.util.TreeSet<>(NAMES)) + ")");
            }
            if (value instanceof List) {
                if (!Set.of("eku", "key-usage", "name").contains(name)) {
                    throw new IllegalArgumentException("member '" + name + "' takes one value, not an array");
                }
                if (!name.equals("name")) {
                    set(name, "", false);
                }
                for (Object item : (List<?>) value) {
                    if (!(item instanceof String)) {
                        throw new IllegalArgumentException("member '" + name + "' holds a non-string array item");
                    }
                    add(name, (String) item);
                }
            } else if (value instanceof String) {
                set(name, (String) value, false);
            } else if (value instanceof BigDecimal && Set.of("time", "max-depth").contains(name)) {
                set(name, ((BigDecimal) value).toPlainString(), false);
            } else {
                throw new IllegalArgumentException("member '" + name + "' must be a string"
                        + (Set.of("time", "max-depth").contains(name) ? " or a number" : "")
                        + (Set.of("eku", "key-usage", "name").contains(name) ? " or an array of strings" : ""));
            }
        }
    }

    private void add(String name, String value) {
        switch (name) {
            case "eku":
                eku.add(value.strip());
                break;
            case "key-usage":
                keyUsages.add(value.strip());
                break;
            default:
                names.add(value.strip());
        }
    }

    private void set(String name, String value, boolean files) throws IOException {
        switch (name) {
            case "trust":
            case "leaf":
            case "untrusted":
            case "crls":
                Pem pem = files ? new Pem(value, dev.palisade.trust.internal.Pem.text(Path.of(value)))
                        : new Pem("member '" + name + "'", value);
                if (name.equals("trust")) {
                    trust = pem;
                } else if (name.equals("leaf")) {
                    leaf = pem;
                } else if (name.equals("untrusted")) {
                    untrusted = pem;
                } else {
                    crls = pem;
                }
                break;
            case "time":
                try {
                    time = Long.parseLong(value.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("time '" + Text.safe(value) + "' is not whole seconds since the epoch");
                }
                break;
            case "purpose":
                switch (value.strip().toLowerCase(Locale.ROOT)) {
                    case "client":
                        purpose = Purpose.CLIENT;
                        break;
                    case "server":
                        purpose = Purpose.SERVER;
                        break;
                    default:
                        throw new IllegalArgumentException("purpose '" + Text.safe(value) + "' is not client or server");
                }
                break;
            case "eku":
                eku = new ArrayList<>(DomainLoader.values(new String[] {value}));
                break;
            case "key-usage":
                keyUsages = new ArrayList<>(DomainLoader.values(new String[] {value}));
                break;
            case "name":
                names.add(value.strip());
                break;
            case "max-depth":
                try {
                    maxDepth = Integer.parseInt(value.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("max-depth '" + Text.safe(value) + "' is not a whole number");
                }
                if (maxDepth < 1 || maxDepth > DomainPolicy.MAX_DEPTH) {
                    throw new IllegalArgumentException("max-depth " + maxDepth + " is outside 1.." + DomainPolicy.MAX_DEPTH);
                }
                break;
            case "domain":
                if (value.isBlank()) {
                    throw new IllegalArgumentException("domain is blank");
                }
                domain = value.strip();
                break;
            default:
                throw new IllegalArgumentException("unknown option '--" + Text.safe(name) + "'");
        }
    }
}
