package dev.palisade.hub;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.SqliteEnrollmentStore;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.SqliteHubRegistry;

/**
 * {@code palisade-hub}: runs the hub, or administers its registry.
 *
 * <p>Exit codes: 0 done; 1 refused (a check failed, it exists already, or the hub could not
 * start); 2 usage error or unreadable input file; 3 no such CA, device or child; 4 the registry
 * cannot be used.
 */
public final class HubMain {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int NOT_FOUND = 3;
    static final int UNAVAILABLE = 4;
    /** Data directory when neither --data nor PALISADE_HUB_DATA is given (the script sets it). */
    static final String DATA_PROPERTY = "palisade.hub.data";

    static final String USAGE_TEXT = """
            Usage: palisade-hub [--data DIR] COMMAND

              run [--bind ADDR] [--port N] [--keystore F.p12 --keystore-password-file F]
                  [--persistence in-memory|file] [--hub-id ID] [--challenge-seconds N]
                  [--enrollment-in-flight N] [--allow-unenrolled-children]
                                                 run the hub in the foreground
              ca upload [--name NAME] CA.cer     register a CA (pending) and get its verification code
              ca code NAME                       a fresh verification code for a pending CA
              ca verify NAME VERIFICATION.cer    prove possession of the CA's key: the CA is verified
              ca list | ca disable NAME | ca enable NAME | ca remove NAME
              ca parents NAME (--gateways G1,G2 | --any-gateway-of-ca) [--no-attest]
                                                 which gateways may parent children of this CA
              ca revoke-cert CERT                refuse a certificate at enrollment; unenroll children holding it
              ca revoked                         the revoked certificates
              device add ID [--gateway] (--ca-chain | --self-signed CERT [--secondary CERT] | --token)
                  [--parent GATEWAY]             a device only GATEWAY may enroll as its child
              device list | device show ID | device remove ID
              child list [--gateway ID]          enrolled children, their parent gateways and whether active
              child remove CHILD                 end a child's enrollment (its gateway may enroll it again)
              audit [--limit N]                  the newest administrative actions

            Data directory: --data, else $PALISADE_HUB_DATA, else the launcher's default.
            Verification codes are valid for $PALISADE_HUB_CODE_VALIDITY_MINUTES (default 60).
            Exit codes: 0 done, 1 refused, 2 usage error, 3 not found, 4 registry unavailable.
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Clock clock;
    private boolean hubRan;

    HubMain(PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.clock = clock;
    }

    public static void main(String[] argv) {
        // HiveMQ's jar carries a logback.xml of its own; name ours so logback does not pick at random.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "palisade-hub-logback.xml");
        }
        HubMain main = new HubMain(System.out, System.err, System.getenv(), Clock.systemUTC());
        int code = main.run(argv);
        // After a hub ran, the JVM is already shutting down (SIGTERM): System.exit would block.
        if (!main.hubRan) {
            System.exit(code);
        }
    }

    int run(String... argv) {
        Args args = new Args(Arrays.asList(argv));
        String command = "";
        try {
            String dataOption = args.option("--data");
            if (argv.length == 0 || Arrays.asList(argv).contains("help") || Arrays.asList(argv).contains("--help")) {
                out.print(USAGE_TEXT);
                return argv.length == 0 ? USAGE : OK;
            }
            Path data = dataDir(dataOption);
            command = args.next("a command");
            int at = Arrays.asList(argv).indexOf(command);
            if (!command.equals("run") && at >= 0 && at + 1 < argv.length && !argv[at + 1].startsWith("--")) {
                command = command + " " + argv[at + 1]; // errors name "ca verify", not just "ca"
            }
            Duration codeValidity = codeValidity();
            if (command.equals("run")) { // never has a sub-command
                return runHub(args, data);
            }
            try (HubRegistry registry = SqliteHubRegistry.open(data.resolve("registry.db"));
                    EnrollmentStore enrollments = SqliteEnrollmentStore.open(data.resolve("registry.db"))) {
                AdminCli admin = new AdminCli(registry, enrollments, clock, codeValidity, actor(), out);
                return switch (command.split(" ")[0]) {
                    case "ca" -> admin.ca(args);
                    case "device" -> admin.device(args);
                    case "child" -> admin.child(args);
                    case "audit" -> admin.audit(args);
                    default -> throw new UsageException("unknown command '" + command + "'");
                };
            }
        } catch (UsageException e) {
            err.println("palisade-hub: " + e.getMessage());
            err.println("Run 'palisade-hub help' for usage.");
            return USAGE;
        } catch (IOException e) {
            err.println("palisade-hub " + command + ": " + e.getMessage());
            return USAGE;
        } catch (RegistryException e) {
            err.println("palisade-hub " + command + ": " + e.getMessage());
            return switch (e.reason()) {
                case NOT_FOUND -> NOT_FOUND;
                case UNAVAILABLE -> UNAVAILABLE;
                case CONFLICT, REFUSED -> REFUSED;
            };
        }
    }

    private Path dataDir(String option) throws UsageException {
        String dir = option != null ? option : env.getOrDefault("PALISADE_HUB_DATA", System.getProperty(DATA_PROPERTY));
        if (dir == null || dir.isBlank()) {
            throw new UsageException("no data directory: give --data DIR or set PALISADE_HUB_DATA");
        }
        return Path.of(dir).toAbsolutePath();
    }

    /** Verification codes are issued by the admin commands, so their validity is theirs to read. */
    private Duration codeValidity() throws UsageException {
        String minutes = env.get("PALISADE_HUB_CODE_VALIDITY_MINUTES");
        return minutes == null ? HubSettings.DEFAULT_CODE_VALIDITY
                : Duration.ofMinutes(number(minutes, "PALISADE_HUB_CODE_VALIDITY_MINUTES", 1, 10080));
    }

    /** The operating-system user and the channel, for the audit log. */
    private static String actor() {
        return System.getProperty("user.name", "unknown") + "@cli";
    }

    private int runHub(Args args, Path data) throws UsageException, IOException, RegistryException {
        HubSettings settings = HubSettings.defaults(data);
        String bind = args.option("--bind");
        if (bind != null) {
            settings = settings.withBind(bind);
        }
        String port = args.option("--port");
        if (port != null) {
            settings = settings.withPort(number(port, "--port", 1, 65535));
        }
        String keystore = args.option("--keystore");
        String password = args.option("--keystore-password-file");
        if (keystore != null || password != null) {
            if (keystore == null || password == null) {
                throw new UsageException("--keystore and --keystore-password-file go together");
            }
            settings = settings.withKeystore(Path.of(keystore), Path.of(password));
        }
        String persistence = args.option("--persistence");
        if (persistence != null) {
            if (!persistence.equals("file") && !persistence.equals("in-memory")) {
                throw new UsageException("--persistence is 'file' or 'in-memory', got '" + persistence + "'");
            }
            settings = settings.withFilePersistence(persistence.equals("file"));
        }
        EnrollmentSettings enrollment = EnrollmentSettings.defaults();
        String hubId = args.option("--hub-id");
        String challengeSeconds = args.option("--challenge-seconds");
        try {
            if (hubId != null) {
                enrollment = new EnrollmentSettings(hubId, enrollment.challengeLifetime(), enrollment.attestationMaxAge(),
                        enrollment.allowUnenrolledChildren(), enrollment.maxMessagesInFlight());
            }
            if (challengeSeconds != null) {
                enrollment = enrollment.withChallengeLifetime(Duration.ofSeconds(number(challengeSeconds, "--challenge-seconds",
                        1, 600)));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--hub-id: " + e.getMessage());
        }
        String inFlight = args.option("--enrollment-in-flight");
        if (inFlight != null) {
            enrollment = enrollment.withMaxMessagesInFlight(number(inFlight, "--enrollment-in-flight", 1, 10_000));
        }
        if (args.flag("--allow-unenrolled-children")) {
            enrollment = enrollment.withUnenrolledChildren(true);
        }
        args.end();
        HubServer server;
        try {
            server = HubServer.start(settings, enrollment, clock);
        } catch (IOException | RegistryException e) {
            err.println("palisade-hub run: " + e.getMessage());
            return REFUSED;
        }
        hubRan = true;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "palisade-hub-shutdown"));
        out.println("Palisade hub running on " + settings.bindAddress() + ":" + settings.port() + " (data " + data
                + "); stop with SIGTERM or Ctrl-C");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    private static int number(String value, String option, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a number from " + min + " to " + max + ", got '" + value + "'");
        }
    }
}
