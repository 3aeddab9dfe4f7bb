package dev.palisade.identity.internal;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityAdmin;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code palisade:identity init|csr|install|rotate|show}, also reachable as {@code bin/palisade identity …}.
 *
 * <p>Always registered, so that an operator who forgot the keystore configuration is told so
 * instead of "unknown command". Failures are thrown with a message for the operator (the admin
 * channel prints it and exits 1); paths are read by the gateway process, so they are best given
 * absolute.
 */
@Component(service = IdentityCommand.class)
@GogoCommand(scope = "palisade", function = {"identity"})
public final class IdentityCommand {

    static final String USAGE = String.join("\n",
            "usage: identity init [--alias ALIAS] [--type ec-p256|ec-p384|rsa-2048|rsa-3072]",
            "       identity csr --subject DN [--san dns:NAME|ip:ADDRESS|uri:URI|email:ADDRESS]... [--out FILE]",
            "       identity install CHAIN.pem --root ROOT.pem",
            "       identity rotate --subject DN [--san ...]... [--type TYPE] [--alias NEW-ALIAS] [--out FILE]",
            "       identity show");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile IdentityAdmin admin;

    /**
     * @param args the subcommand and its options
     * @return what to print
     * @throws Exception with a message for the operator
     */
    @Descriptor("provision the gateway's identity: init (key on the token), csr, install (issued chain), rotate, show")
    public String identity(@Descriptor("init | csr | install | rotate | show, then options") String... args) throws Exception {
        return run(admin, List.of(args));
    }

    /** The command without the framework, for tests. */
    static String run(IdentityAdmin admin, List<String> args) throws IdentityException, IOException {
        if (args.isEmpty()) {
            throw new IllegalArgumentException(USAGE);
        }
        if (admin == null) {
            throw new IllegalStateException("no keystore is configured: create etc/dev.palisade.identity.pkcs11.cfg"
                    + " (or, for development only, etc/dev.palisade.identity.pkcs12.cfg); see docs/identity.md");
        }
        Options options = new Options(args.subList(1, args.size()));
        switch (args.get(0)) {
            case "init":
                return "generated a key on the keystore:\n" + format(admin.init(options.single("--alias", "gateway"),
                        keyType(options.single("--type", "ec-p256")))) + "\nnext: identity csr --subject CN=<gateway id>";
            case "csr":
                return writeCsr(admin.csr(csrRequest(options)), options, "next: have it signed, then identity install");
            case "rotate":
                String alias = options.single("--alias", null);
                if (alias == null) {
                    // A new alias per rotation: the old key keeps its alias until it is destroyed.
                    alias = "gateway-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
                            .withZone(ZoneOffset.UTC).format(Instant.now());
                }
                String rotated = admin.rotate(alias, keyType(options.single("--type", "ec-p256")), csrRequest(options));
                return writeCsr(rotated, options, "the current identity stays in use until the chain for the new key '"
                        + alias + "' is installed (identity install)");
            case "install":
                String root = options.single("--root", null);
                if (options.positional().size() != 1 || root == null) {
                    throw new IllegalArgumentException("install needs one chain file and --root\n" + USAGE);
                }
                List<X509Certificate> chain = Certificates.parse(read(options.positional().get(0)), "the chain file "
                        + options.positional().get(0));
                List<X509Certificate> roots = Certificates.parse(read(root), "the root file " + root);
                if (roots.size() != 1) {
                    throw new IllegalArgumentException("the root file " + root + " must hold exactly one certificate, it holds " + roots.size());
                }
                return "installed the chain:\n" + format(admin.install(chain, roots.get(0)));
            case "show":
                IdentityInfo info = admin.current().orElseThrow(() -> new IdentityException(IdentityException.Reason.NO_KEY,
                        "the keystore holds no gateway key yet: run identity init"));
                Optional<IdentityInfo> pending = admin.pending();
                return format(info) + pending.map(p -> "\npending rotation (in use once its chain is installed):\n"
                        + format(p)).orElse("");
            default:
                throw new IllegalArgumentException("unknown subcommand '" + args.get(0) + "'\n" + USAGE);
        }
    }

    private static CsrRequest csrRequest(Options options) {
        String subject = options.single("--subject", null);
        if (subject == null) {
            throw new IllegalArgumentException("--subject is required, e.g. --subject 'CN=gw-17,O=Plant A'\n" + USAGE);
        }
        return new CsrRequest(principal(subject), options.all("--san"));
    }

    /** Prints the PEM, or writes it to {@code --out} and says what comes next. */
    private static String writeCsr(String pem, Options options, String next) throws IOException {
        String out = options.single("--out", null);
        if (out == null) {
            return pem.trim();
        }
        Files.writeString(Path.of(out), pem, StandardCharsets.US_ASCII);
        return "wrote the certificate request to " + Path.of(out).toAbsolutePath() + "\n" + next;
    }

    static String format(IdentityInfo info) {
        long days = IdentityHealth.daysLeft(info.notAfter(), Instant.now());
        StringBuilder out = new StringBuilder();
        line(out, "status", info.chainInstalled() ? "issued chain installed"
                : "placeholder certificate, no chain installed (next: csr, then install)");
        line(out, "subject", info.subject().getName());
        line(out, "issuer", info.issuer().getName());
        line(out, "serial", info.serialNumber().toString(16));
        line(out, "valid", info.notBefore() + " to " + info.notAfter() + " (" + days + " days left)");
        line(out, "key", info.keyType() + ", " + (info.extractable() ? "EXTRACTABLE (not protected by a token)"
                : "not extractable (sensitive, stays on the token)"));
        line(out, "sha-256", info.sha256Fingerprint());
        var location = info.location();
        // For PKCS#11 the store already names the slot index (KeyLocation's javadoc).
        line(out, "keystore", location.backend() + (location.module() != null ? " " + location.module() : "")
                + ", " + location.store());
        line(out, "alias", location.alias());
        return out.toString().stripTrailing();
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "  %-9s %s%n", name, value));
    }

    static KeyType keyType(String text) {
        String normalised = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (KeyType type : KeyType.values()) {
            if (type.name().equals(normalised)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown key type '" + text + "'; use ec-p256 (default), ec-p384, rsa-2048 or rsa-3072");
    }

    private static X500Principal principal(String subject) {
        try {
            return new X500Principal(subject);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + subject + "' is not a distinguished name such as 'CN=gw-17,O=Plant A': "
                    + e.getMessage());
        }
    }

    private static String read(String file) throws IOException {
        Path path = Path.of(file);
        try {
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toAbsolutePath() + " does not exist (the gateway reads it; give an absolute path)");
        }
    }

    /** {@code --name value} options (repeatable) and positional arguments. */
    private static final class Options {
        private final List<String[]> named = new ArrayList<>();
        private final List<String> positional = new ArrayList<>();

        Options(List<String> args) {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (arg.startsWith("--")) {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("option " + arg + " needs a value\n" + USAGE);
                    }
                    named.add(new String[] {arg, args.get(++i)});
                } else {
                    positional.add(arg);
                }
            }
        }

        List<String> all(String name) {
            return named.stream().filter(n -> n[0].equals(name)).map(n -> n[1]).toList();
        }

        String single(String name, String fallback) {
            List<String> values = all(name);
            if (values.size() > 1) {
                throw new IllegalArgumentException("option " + name + " given more than once");
            }
            return values.isEmpty() ? fallback : values.get(0);
        }

        List<String> positional() {
            return positional;
        }
    }
}
