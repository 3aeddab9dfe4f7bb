package dev.palisade.identity.internal;

import dev.palisade.testkit.SoftHsmTestToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A TPM 2.0 emulator with a fresh tpm2-pkcs11 token for this test run, shared by every test of
 * the JVM: swtpm, a private D-Bus session bus, tpm2-abrmd on it, then {@code tpm2_ptool init}
 * and {@code addtoken} with random PINs. Stopped when the JVM exits.
 *
 * <p>Following shared/research/pkcs11-tls.md §2 exactly, including its traps:
 * <ul>
 * <li>swtpm runs with {@code --flags not-need-init,startup-clear}: without startup-clear the
 * TPM is never started up and every command fails;</li>
 * <li>a resource manager (tpm2-abrmd) sits between the tools/library and swtpm: talking to
 * swtpm directly leaves transient objects loaded, and the TPM's three object slots run out
 * ({@code 0x902 out of memory for object contexts}) in {@code addtoken} or at the next JVM's
 * login; abrmd flushes them per connection;</li>
 * <li>abrmd needs a D-Bus; in a container without systemd a private session bus is started;</li>
 * <li>the library reads {@code TPM2_PKCS11_TCTI}, {@code TPM2_PKCS11_STORE} and
 * {@code DBUS_SESSION_BUS_ADDRESS} from the process environment when SunPKCS11 loads it, and
 * Java cannot set them afterwards, so Surefire sets them to fixed paths under
 * {@code target/tpm} and this fixture starts the daemons there;</li>
 * <li>swtpm listens on ports chosen free at start, on 127.0.0.1 only (2321/2322 are the usual
 * defaults and may be taken on a shared host); the control port must be the server port + 1,
 * because the swtpm TCTI that abrmd uses assumes it (otherwise abrmd fails with
 * {@code Failed to connect to control socket ... 0xa000a}).</li>
 * </ul>
 *
 * <p>A missing package fails the test with the Debian packages to install; it never skips.
 */
final class TpmToken {

    static final String LABEL = "palisade-tpm";
    static final String PACKAGES = "swtpm swtpm-tools tpm2-tools libtpm2-pkcs11-1 libtpm2-pkcs11-tools"
            + " libtss2-tcti-swtpm0 tpm2-abrmd libtss2-tcti-tabrmd0 dbus";

    private static TpmToken instance;

    final Path library;
    final String pin;
    private final List<Process> daemons;

    private TpmToken(Path library, String pin, List<Process> daemons) {
        this.library = library;
        this.pin = pin;
        this.daemons = daemons;
    }

    static synchronized TpmToken get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "tpm-emulator-stop"));
        }
        return instance;
    }

    private static TpmToken start() {
        String dir = System.getProperty("palisade.test.tpm.dir");
        String store = System.getenv("TPM2_PKCS11_STORE");
        String bus = System.getenv("DBUS_SESSION_BUS_ADDRESS");
        if (dir == null || store == null || bus == null || !"tabrmd:bus_type=session".equals(System.getenv("TPM2_PKCS11_TCTI"))) {
            throw new AssertionError("run the TPM tests with Maven (mvn verify): Surefire sets palisade.test.tpm.dir,"
                    + " TPM2_PKCS11_TCTI, TPM2_PKCS11_STORE and DBUS_SESSION_BUS_ADDRESS for the test JVM");
        }
        Path library = findLibrary();
        Path directory = Path.of(dir).toAbsolutePath();
        List<Process> daemons = new ArrayList<>();
        try {
            deleteTree(directory);
            Path state = Files.createDirectories(directory.resolve("state"));
            Files.createDirectories(Path.of(store));
            Path socket = Path.of(bus.substring(bus.indexOf("path=") + "path=".length()));
            // The swtpm TCTI (abrmd's link to swtpm) finds the control channel at the server port + 1.
            int server = freePortPair();
            int control = server + 1;
            daemons.add(daemon(directory, "swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                    "--server", "type=tcp,port=" + server + ",bindaddr=127.0.0.1",
                    "--ctrl", "type=tcp,port=" + control + ",bindaddr=127.0.0.1", "--flags", "not-need-init,startup-clear"));
            awaitPort(server);
            daemons.add(daemon(directory, "dbus-daemon", "--session", "--nofork", "--address=" + bus));
            awaitFile(socket);
            daemons.add(daemon(directory, "tpm2-abrmd", "--session", "--allow-root", "--flush-all",
                    "--tcti=swtpm:host=127.0.0.1,port=" + server));
            String pin = SoftHsmTestToken.randomDigits(8);
            // abrmd registers its bus name shortly after start: the first tool call retries until it answers.
            retry(List.of("tpm2_ptool", "init", "--path=" + store), 20);
            SoftHsmTestToken.run(List.of("tpm2_ptool", "addtoken", "--path=" + store, "--pid=1", "--label=" + LABEL,
                    "--sopin=" + SoftHsmTestToken.randomDigits(10), "--userpin=" + pin));
            return new TpmToken(library, pin, daemons);
        } catch (IOException e) {
            daemons.forEach(Process::destroy);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            daemons.forEach(Process::destroy);
            throw e;
        }
    }

    /** Stops abrmd, the bus and swtpm, in that order. */
    void stop() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process process = daemons.get(i);
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Process daemon(Path directory, String... command) throws IOException {
        try {
            if (!command[0].contains("/") && Files.isExecutable(Path.of("/usr/sbin", command[0]))) {
                command[0] = "/usr/sbin/" + command[0]; // tpm2-abrmd: not on a normal user's PATH
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(directory.resolve(Path.of(command[0]).getFileName() + ".log").toFile());
            Map<String, String> environment = builder.environment();
            environment.put("TPM2TOOLS_TCTI", "tabrmd:bus_type=session");
            return builder.start();
        } catch (IOException e) {
            throw new AssertionError(command[0] + " is not installed: the TPM tests need the TPM 2.0 emulator stack."
                    + " Install the Debian packages " + PACKAGES + " (./palisade test does)", e);
        }
    }

    private static void retry(List<String> command, int attempts) {
        for (int attempt = 1;; attempt++) {
            try {
                SoftHsmTestToken.run(command);
                return;
            } catch (AssertionError e) {
                if (attempt >= attempts) {
                    throw e;
                }
                sleep(250);
            }
        }
    }

    private static Path findLibrary() {
        List<Path> found = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/usr/lib64", "/usr/local/lib")) {
            if (Files.isDirectory(Path.of(root))) {
                try (Stream<Path> files = Files.find(Path.of(root), 3,
                        (p, a) -> p.getFileName().toString().equals("libtpm2_pkcs11.so"))) {
                    files.forEach(found::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        if (found.isEmpty()) {
            throw new AssertionError("libtpm2_pkcs11.so not found: install the Debian packages " + PACKAGES
                    + " (./palisade test does)");
        }
        return found.stream().sorted().findFirst().orElseThrow();
    }

    /** @return a free port whose successor is free too */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = first.getLocalPort();
                if (port < 65535) {
                    try (ServerSocket second = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress())) {
                        return port;
                    } catch (IOException taken) {
                        // try another pair
                    }
                }
            }
        }
        throw new AssertionError("no two consecutive free ports on 127.0.0.1 for swtpm");
    }

    private static void awaitPort(int port) {
        for (int i = 0; i < 100; i++) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        throw new AssertionError("swtpm did not listen on 127.0.0.1:" + port + " within 5 s");
    }

    private static void awaitFile(Path file) {
        for (int i = 0; i < 100 && !Files.exists(file); i++) {
            sleep(50);
        }
        if (!Files.exists(file)) {
            throw new AssertionError("dbus-daemon did not create " + file + " within 5 s");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> old = Files.walk(directory)) {
                for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

}
