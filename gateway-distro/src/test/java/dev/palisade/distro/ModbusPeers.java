package dev.palisade.distro;

import dev.palisade.api.bus.LeafDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Real Modbus devices for the distribution's ITs: the bus bundle's {@code modbus-sim.py}
 * (pymodbus) as a plain Modbus TCP device or as a Modbus/TCP Security device that requires a
 * client certificate, each on a port of its own, waited for until it listens and stopped with the
 * test ({@link #close()}). Each device writes its output to {@code <logs>/modbus-<name>.log}.
 *
 * <p>Runs inside the framework (the ITs' test methods). Needs python3-pymodbus and the system
 * property {@value #SIMULATOR} (set by the pom): a missing one fails the test naming it.
 */
final class ModbusPeers implements AutoCloseable {

    /** System property naming modbus-sim.py. */
    static final String SIMULATOR = "palisade.modbus.sim";

    private final Path logs;
    private final String script;
    private final List<Process> processes = new ArrayList<>();

    /**
     * @param logs where the devices' output goes (created)
     * @throws AssertionError naming what is missing when the simulator or pymodbus is
     */
    ModbusPeers(Path logs) throws IOException, InterruptedException {
        this.script = requirePymodbus();
        this.logs = Files.createDirectories(logs);
    }

    /** @return the path of modbus-sim.py, once pymodbus is known to import */
    static String requirePymodbus() throws IOException, InterruptedException {
        String script = System.getProperty(SIMULATOR);
        if (script == null) {
            throw new AssertionError("system property " + SIMULATOR + " must name modbus-sim.py (set by the pom)");
        }
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import pymodbus").redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (probe.waitFor() != 0) {
            throw new AssertionError("pymodbus is missing: install the Debian package python3-pymodbus: " + output);
        }
        return script;
    }

    /** @return the port of a new plain Modbus TCP device, listening */
    int startTcp(String name) throws Exception {
        int port = UpstreamItFixture.freePort();
        start(name, port, List.of("tcp", Integer.toString(port)));
        return port;
    }

    /** @return the port of a new Modbus/TCP Security device (see {@link #startTls(String, int, Path, Path, Path)}), listening */
    int startTls(String name, Path cert, Path key, Path clientCa) throws Exception {
        int port = UpstreamItFixture.freePort();
        startTls(name, port, cert, key, clientCa);
        return port;
    }

    /**
     * Starts a Modbus/TCP Security device on {@code port} (again, after {@link Process#destroyForcibly()}
     * of an earlier one, for a device restarted with another certificate).
     *
     * @param cert its certificate (PEM)
     * @param key its private key (PEM)
     * @param clientCa the CA whose certificate it requires from a client
     * @return its process, listening
     */
    Process startTls(String name, int port, Path cert, Path key, Path clientCa) throws Exception {
        return start(name, port, List.of("tls", Integer.toString(port), cert.toString(), key.toString(), clientCa.toString()));
    }

    private Process start(String name, int port, List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", script));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("modbus-" + name + ".log").toFile())).start();
        processes.add(process);
        UpstreamItFixture.await("the Modbus device '" + name + "' (" + arguments.get(0) + ") listening on " + port, 20,
                () -> UpstreamItFixture.listening(port) || !process.isAlive());
        if (!process.isAlive()) {
            throw new AssertionError("the Modbus device '" + name + "' exited with " + process.exitValue() + ": "
                    + Files.readString(logs.resolve("modbus-" + name + ".log")));
        }
        return process;
    }

    /** @return the {@link LeafDevice} service with this id, or null */
    static LeafDevice leafDevice(BundleContext context, String id) {
        try {
            Collection<ServiceReference<LeafDevice>> refs = context.getServiceReferences(LeafDevice.class,
                    "(" + LeafDevice.ID + "=" + id + ")");
            return refs.isEmpty() ? null : context.getService(refs.iterator().next());
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Stops every device started here. */
    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
