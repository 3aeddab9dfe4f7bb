package dev.palisade.pki;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/palisade pki}: makes test certificates. Exit codes: 0 done, 1 the operation failed
 * (unreadable CA file, wrong password, cannot write), 2 usage error.
 */
public final class PkiMain {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    /** Environment variable holding the password of the .pfx files written and read. */
    public static final String PASSWORD_ENV = "PALISADE_PKI_PASSWORD";

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    PkiMain(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(new PkiMain(System.out, System.err, System.getenv()).run(args));
    }

    static final String USAGE_TEXT = """
            Usage: palisade pki COMMAND [OPTIONS]   (test certificates only: never use them in production)

              root NAME                      a self-signed root CA: NAME.cer, NAME.pfx
              intermediate NAME --ca CA.pfx  an intermediate CA signed by CA
              gateway ID --ca CA.pfx         a gateway certificate (CN = ID): ID.cer (chain), ID.pfx
              device ID --ca CA.pfx          a device certificate (CN = ID)
              self-signed ID [--gateway]     a self-signed device (or gateway) certificate, for
                                             registration by thumbprint
              server NAME --ca CA.pfx        a TLS server certificate for localhost/127.0.0.1
              publisher NAME --ca CA.pfx     a code-signing certificate (extended key usage
                                             codeSigning) for 'palisade bundle sign'
              verification CODE --ca CA.pfx  the hub's proof-of-possession certificate: CN = CODE,
                                             signed with CA's key: verification-CODE.cer
              inspect FILE [FILE...]         show certificates in a .cer/.pem/.der or .pfx file

            Options:
              --out DIR            where files go (default: the current directory)
              --days N             validity in days (default 365; 30 for verification certificates)
              --password-file F    the .pfx password, first line of F; else $PALISADE_PKI_PASSWORD
              --ca-key KEY.pem     with --ca CA.pem: a CA made elsewhere (e.g. openssl), its
                                   unencrypted PEM private key instead of a .pfx

            Exit codes: 0 done, 1 failed, 2 usage error.
            """;

    int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        String command = args[0];
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--gateway")) {
                options.put(a, "true");
            } else if (a.startsWith("--")) {
                if (i + 1 >= args.length) {
                    return usage("option " + a + " needs a value");
                }
                options.put(a, args[++i]);
            } else {
                positional.add(a);
            }
        }
        for (String key : options.keySet()) {
            if (!List.of("--out", "--days", "--password-file", "--ca", "--ca-key", "--gateway").contains(key)) {
                return usage("unknown option " + key);
            }
        }
        try {
            return switch (command) {
                case "root", "intermediate", "gateway", "device", "self-signed", "server", "publisher", "verification" ->
                    create(command, positional, options);
                case "inspect" -> inspect(positional, options);
                default -> usage("unknown pki command '" + command + "'");
            };
        } catch (UsageException e) {
            return usage(e.getMessage());
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            err.println("palisade pki " + command + ": " + e.getMessage());
            return FAILED;
        }
    }

    private int create(String command, List<String> positional, Map<String, String> options)
            throws IOException, UsageException {
        if (positional.size() != 1) {
            throw new UsageException(command + " takes exactly one name, got " + positional.size());
        }
        String name = positional.get(0);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")) {
            throw new UsageException("'" + name + "' is not a usable name: letters, digits, '.', '_', ':', '-'");
        }
        Path dir = Path.of(options.getOrDefault("--out", "."));
        int days = days(options, command.equals("verification") ? 30 : 365);
        Duration validity = Duration.ofDays(days);
        boolean needsCa = !command.equals("root") && !command.equals("self-signed");
        if (needsCa != options.containsKey("--ca")) {
            throw new UsageException(needsCa ? command + " needs --ca CA.pfx" : command + " takes no --ca");
        }
        if (options.containsKey("--ca-key") && !options.containsKey("--ca")) {
            throw new UsageException("--ca-key goes with --ca CA.pem");
        }
        TestCredential ca = needsCa ? readCa(options) : null;
        // A verification certificate's own key is thrown away: it needs no .pfx, so no password.
        char[] password = command.equals("verification") ? null : password(options);
        if (ca != null && ca.certificate().getBasicConstraints() < 0) {
            throw new IOException(options.get("--ca") + " is not a CA certificate (no basicConstraints CA=true)");
        }
        TestCredential made = switch (command) {
            case "root" -> TestPki.rootCa(name, validity);
            case "intermediate" -> TestPki.intermediateCa(ca, name, validity);
            case "gateway" -> TestPki.leaf(ca, name, TestPki.Kind.GATEWAY, validity);
            case "device" -> TestPki.leaf(ca, name, TestPki.Kind.DEVICE, validity);
            case "server" -> TestPki.leaf(ca, name, TestPki.Kind.SERVER, validity);
            case "publisher" -> TestPki.leaf(ca, name, TestPki.Kind.PUBLISHER, validity);
            case "self-signed" -> TestPki.selfSigned(name,
                    options.containsKey("--gateway") ? TestPki.Kind.GATEWAY : TestPki.Kind.DEVICE, validity);
            case "verification" -> TestPki.verificationCertificate(ca, name, validity);
            default -> throw new UsageException("unknown pki command '" + command + "'");
        };
        if (command.equals("verification")) {
            Path cer = dir.resolve("verification-" + name + ".cer");
            PkiFiles.writeCertificates(cer, List.of(made.certificate()));
            out.println("wrote " + cer + "  (CN=" + name + ", signed by " + ca.commonName() + "; TEST ONLY)");
            return OK;
        }
        Path cer = dir.resolve(name + ".cer");
        Path pfx = dir.resolve(name + ".pfx");
        PkiFiles.writeCertificates(cer, made.chain());
        PkiFiles.writePkcs12(pfx, made, password);
        out.println("wrote " + cer + "  (certificate and chain, PEM; TEST ONLY)");
        out.println("wrote " + pfx + "  (private key and chain, PKCS#12, password-protected; TEST ONLY)");
        out.println("  subject    " + made.certificate().getSubjectX500Principal().getName());
        out.println("  thumbprint " + PkiFiles.thumbprint(made.certificate()));
        return OK;
    }

    /** The issuing CA: a .pfx, or with --ca-key a PEM certificate (chain) and a PEM private key. */
    private TestCredential readCa(Map<String, String> options) throws IOException, UsageException {
        Path ca = Path.of(options.get("--ca"));
        if (!options.containsKey("--ca-key")) {
            return PkiFiles.readPkcs12(ca, password(options));
        }
        List<X509Certificate> chain = PkiFiles.readCertificates(ca);
        return new TestCredential(chain.get(0), PemKeys.read(Path.of(options.get("--ca-key"))), chain);
    }

    private int inspect(List<String> files, Map<String, String> options) throws IOException, UsageException {
        if (files.isEmpty()) {
            throw new UsageException("inspect needs a file");
        }
        for (String f : files) {
            Path path = Path.of(f);
            List<X509Certificate> certs = f.endsWith(".pfx") || f.endsWith(".p12")
                    ? PkiFiles.readPkcs12(path, password(options)).chain()
                    : PkiFiles.readCertificates(path);
            out.println(f + ": " + certs.size() + " certificate(s)");
            for (X509Certificate c : certs) {
                boolean test = c.getSubjectX500Principal().getName().contains(TestPki.TEST_ORGANISATION);
                out.println("  subject     " + c.getSubjectX500Principal().getName());
                out.println("  issuer      " + c.getIssuerX500Principal().getName());
                out.println("  valid       " + c.getNotBefore().toInstant() + " .. " + c.getNotAfter().toInstant());
                out.println("  CA          " + (c.getBasicConstraints() >= 0 ? "yes" : "no"));
                out.println("  key         " + c.getPublicKey().getAlgorithm());
                out.println("  used for    " + usage(c));
                out.println("  thumbprint  " + PkiFiles.thumbprint(c) + "  (SHA-256)");
                out.println("  test only   " + (test ? "yes (made by palisade pki)" : "no"));
            }
        }
        return OK;
    }

    /** The extended key usages by name, so that an operator sees a publisher is for code signing. */
    private static String usage(X509Certificate c) {
        try {
            List<String> oids = c.getExtendedKeyUsage();
            if (oids == null) {
                return c.getBasicConstraints() >= 0 ? "issuing certificates" : "any purpose (no extended key usage)";
            }
            List<String> names = new ArrayList<>();
            for (String oid : oids) {
                names.add(switch (oid) {
                    case "1.3.6.1.5.5.7.3.1" -> "serverAuth";
                    case "1.3.6.1.5.5.7.3.2" -> "clientAuth";
                    case "1.3.6.1.5.5.7.3.3" -> "codeSigning";
                    default -> oid;
                });
            }
            return String.join(", ", names);
        } catch (java.security.cert.CertificateParsingException e) {
            return "unreadable extended key usage: " + e.getMessage();
        }
    }

    private int days(Map<String, String> options, int fallback) throws UsageException {
        String v = options.get("--days");
        if (v == null) {
            return fallback;
        }
        try {
            int d = Integer.parseInt(v);
            if (d < 1 || d > 36500) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--days must be a whole number from 1 to 36500, got '" + v + "'");
        }
    }

    private char[] password(Map<String, String> options) throws IOException, UsageException {
        String file = options.get("--password-file");
        if (file != null) {
            List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isEmpty()) {
                throw new UsageException("password file " + file + " is empty");
            }
            return lines.get(0).toCharArray();
        }
        String fromEnv = env.get(PASSWORD_ENV);
        if (fromEnv == null || fromEnv.isEmpty()) {
            throw new UsageException("no .pfx password: give --password-file FILE or set " + PASSWORD_ENV);
        }
        return fromEnv.toCharArray();
    }

    private int usage(String message) {
        err.println("palisade pki: " + message);
        err.println("Run 'palisade pki help' for usage.");
        return USAGE;
    }

    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
