package dev.palisade.deploy.internal.set;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/palisade bundle sign|verify}: makes and checks update sets offline, with the same
 * code the gateway runs (this class runs on a plain class path: the deploy and api jars only).
 * Exit codes: 0 done / the set is acceptable, 1 refused or failed, 2 usage error.
 */
public final class BundleCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    /** Environment variable holding the password of the publisher's .pfx, as for {@code palisade pki}. */
    static final String PASSWORD_ENV = "PALISADE_PKI_PASSWORD";
    /** Bundles larger than this are refused by {@code verify} as by the gateway's default. */
    static final long MAX_BUNDLE_BYTES = 64L * 1024 * 1024;

    static final String USAGE_TEXT = """
            Usage: palisade bundle COMMAND ...

              sign --key PUBLISHER.pfx --out SET.zip JAR [JAR...]
                  make an update set of the bundles JAR..., signed with the publisher's key and
                  carrying its certificate chain (make one with 'palisade pki publisher')
              verify --trust ANCHORS SET.zip
                  check a set as a gateway does: signature, publisher chain to ANCHORS (a PEM file
                  or a directory of them, e.g. the gateway's etc/code-signing), code-signing
                  purpose, every digest; list what it holds

            Options:
              --password-file F   the .pfx password, first line of F; else $PALISADE_PKI_PASSWORD

            Exit codes: 0 done (verify: the set is acceptable), 1 refused or failed, 2 usage error.
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;

    BundleCli(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    /** @param args the command line */
    public static void main(String[] args) {
        System.exit(new BundleCli(System.out, System.err, System.getenv(), Clock.systemUTC()).run(args));
    }

    int run(String... args) {
        if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
            out.print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        List<String> positional = new ArrayList<>();
        java.util.HashMap<String, String> options = new java.util.HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (!List.of("--key", "--out", "--trust", "--password-file").contains(args[i])) {
                    return usage("unknown option " + args[i]);
                }
                if (i + 1 >= args.length) {
                    return usage("option " + args[i] + " needs a value");
                }
                options.put(args[i], args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        try {
            return switch (args[0]) {
                case "sign" -> sign(positional, options);
                case "verify" -> verify(positional, options);
                default -> usage("unknown bundle command '" + args[0] + "'");
            };
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            err.println("palisade bundle " + args[0] + ": " + e.getMessage());
            return FAILED;
        }
    }

    private int sign(List<String> jars, Map<String, String> options) throws IOException, GeneralSecurityException {
        if (!options.containsKey("--key") || !options.containsKey("--out") || jars.isEmpty()) {
            return usage("sign needs --key PUBLISHER.pfx, --out SET.zip and at least one bundle jar");
        }
        char[] password = password(options);
        if (password == null) {
            return usage("no .pfx password: give --password-file FILE or set " + PASSWORD_ENV);
        }
        Path pfx = Path.of(options.get("--key"));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pfx)) {
            store.load(in, password);
        } catch (IOException e) {
            throw new IOException("cannot open " + pfx + " (wrong password or not a PKCS#12 file): " + e.getMessage(), e);
        }
        PrivateKey key = null;
        List<X509Certificate> chain = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                key = (PrivateKey) store.getKey(alias, password);
                for (Certificate c : store.getCertificateChain(alias)) {
                    chain.add((X509Certificate) c);
                }
                break;
            }
        }
        if (key == null) {
            throw new IOException(pfx + " holds no private key");
        }
        Path setFile = Path.of(options.get("--out"));
        SetManifest manifest = new UpdateSetSigner(key, chain).sign(jars.stream().map(Path::of).toList(),
                clock.instant(), setFile);
        out.println("wrote " + setFile + ", signed by " + chain.get(0).getSubjectX500Principal().getName());
        print(manifest);
        return OK;
    }

    private int verify(List<String> sets, Map<String, String> options) throws IOException {
        if (!options.containsKey("--trust") || sets.size() != 1) {
            return usage("verify needs --trust ANCHORS and exactly one set");
        }
        Path anchorsAt = Path.of(options.get("--trust"));
        if (!Files.exists(anchorsAt)) {
            throw new IOException("no anchors at " + anchorsAt);
        }
        UpdateSetVerifier verifier = new UpdateSetVerifier(CodeSigningAnchors.load(anchorsAt), anchorsAt.toString(),
                MAX_BUNDLE_BYTES);
        Path scratch = Files.createTempDirectory("palisade-bundle-verify");
        try {
            UpdateSetVerifier.VerifiedSet set = verifier.verify(Path.of(sets.get(0)), scratch, clock.instant());
            out.println("OK " + sets.get(0) + ": signed by " + set.info().publisher().getName() + " at "
                    + set.info().signedAt() + ", set SHA-256 " + set.info().sha256());
            print(set.manifest());
            return OK;
        } catch (SetRefusedException e) {
            out.println("REFUSED " + e.refusal() + " " + sets.get(0) + ": " + e.getMessage());
            return FAILED;
        } finally {
            try (var files = Files.list(scratch)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(scratch);
        }
    }

    private void print(SetManifest manifest) {
        for (SetManifest.Entry e : manifest.bundles()) {
            out.println("  " + e.info().symbolicName() + " " + e.info().version() + "  sha256 " + e.info().sha256());
        }
    }

    private char[] password(Map<String, String> options) throws IOException {
        String file = options.get("--password-file");
        if (file != null) {
            List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            return lines.isEmpty() || lines.get(0).isEmpty() ? null : lines.get(0).toCharArray();
        }
        String fromEnv = env.get(PASSWORD_ENV);
        return fromEnv == null || fromEnv.isEmpty() ? null : fromEnv.toCharArray();
    }

    private int usage(String message) {
        err.println("palisade bundle: " + message);
        err.println("Run 'palisade bundle help' for usage.");
        return USAGE;
    }
}
