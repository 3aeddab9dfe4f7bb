package dev.palisade.bus.modbus.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pymodbus simulator ({@code modbus-sim.py}) as a real peer, started and stopped by a test;
 * for RTU behind a socat pty pair. Fails, never skips, when pymodbus or socat is missing.
 */
final class ModbusSimulator implements AutoCloseable {

    static final String PYTHON = "/usr/bin/python3"; // Debian's: a pyenv shim cannot import pymodbus

    final Path dir;
    final int port;
    final Path clientPty;
    private final List<String> command;
    private final List<Process> processes = new ArrayList<>();
    private Process server;

    /** Simulators not closed yet: killed when the JVM exits, so an interrupted run leaves no orphan. */
    private static final java.util.Set<ModbusSimulator> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(sim -> {
            try {
                sim.close();
            } catch (InterruptedException | RuntimeException | AssertionError e) {
                // the JVM is exiting: kill the rest anyway
            }
        }), "modbus-simulator-kill"));
    }

    private ModbusSimulator(Path dir, int port, Path clientPty, List<String> command) {
        this.dir = dir;
        this.port = port;
        this.clientPty = clientPty;
        this.command = command;
        OPEN.add(this);
    }

    static Path script(Path dir) throws IOException {
        Path script = dir.resolve("modbus-sim.py");
        try (InputStream in = ModbusSimulator.class.getResourceAsStream("/dev/palisade/bus/modbus/modbus-sim.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    static void requirePymodbus() throws Exception {
        Process probe = new ProcessBuilder(PYTHON, "-c", "import pymodbus").redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes());
        if (probe.waitFor() != 0) {
            throw new AssertionError("pymodbus is missing: install the Debian package python3-pymodbus"
                    + " (./palisade installs the test requirements): " + out);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static ModbusSimulator tcp(Path dir) throws Exception {
        requirePymodbus();
        int port = freePort();
        ModbusSimulator sim = new ModbusSimulator(dir, port, null,
                List.of(PYTHON, script(dir).toString(), "tcp", Integer.toString(port)));
        sim.start();
        return sim;
    }

    /**
     * The demo's fallback ({@code modbus-sim-stdlib.py}): the same register map on the Python
     * standard library alone, for gateways without pymodbus.
     */
    static ModbusSimulator stdlib(Path dir) throws Exception {
        Path script = dir.resolve("modbus-sim-stdlib.py");
        try (InputStream in = ModbusSimulator.class.getResourceAsStream("/dev/palisade/bus/modbus/modbus-sim-stdlib.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        int port = freePort();
        // -S: without site-packages, as on a gateway without pymodbus; the script must need nothing else.
        ModbusSimulator sim = new ModbusSimulator(dir, port, null,
                List.of(PYTHON, "-S", script.toString(), Integer.toString(port)));
        sim.start();
        return sim;
    }

    /** @return a new simulator of the same kind (TCP only), in {@code dir} */
    ModbusSimulator another(Path dir) throws Exception {
        return command.get(2).endsWith("modbus-sim-stdlib.py") ? stdlib(dir) : tcp(dir);
    }

    static ModbusSimulator tls(Path dir, Path cert, Path key, Path ca) throws Exception {
        requirePymodbus();
        int port = freePort();
        ModbusSimulator sim = new ModbusSimulator(dir, port, null, List.of(PYTHON, script(dir).toString(), "tls",
                Integer.toString(port), cert.toString(), key.toString(), ca.toString()));
        sim.start();
        return sim;
    }

    /** An RTU server on one end of a socat pty pair; the gateway opens {@link #clientPty}. */
    static ModbusSimulator rtu(Path dir) throws Exception {
        requirePymodbus();
        Path serverPty = dir.resolve("ttyS_srv");
        Path clientPty = dir.resolve("ttyS_cli");
        Process socat;
        try {
            socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + serverPty, "pty,raw,echo=0,link=" + clientPty)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("socat is missing: install the Debian package socat", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(serverPty) && Files.exists(clientPty)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(clientPty)) {
            socat.destroyForcibly();
            throw new AssertionError("socat did not create the pty pair: " + Files.readString(dir.resolve("socat.log")));
        }
        ModbusSimulator sim = new ModbusSimulator(dir, 0, clientPty,
                List.of(PYTHON, script(dir).toString(), "rtu", serverPty.toString(), "115200"));
        sim.processes.add(socat);
        try {
            sim.start();
        } catch (Exception | Error e) {
            sim.close();
            throw e;
        }
        Thread.sleep(1500); // the serial server has no port to probe; give it time to open the pty
        return sim;
    }

    /**
     * Starts (or restarts) the simulator and waits until it accepts connections. A simulator still
     * running is killed first; one that never listens is killed before the failure is thrown, so no
     * simulator outlives its test.
     */
    void start() throws Exception {
        kill();
        server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sim.log").toFile())).start();
        if (port == 0) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new AssertionError("the Modbus simulator exited: " + Files.readString(dir.resolve("sim.log")));
            }
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        kill();
        throw new AssertionError("the Modbus simulator did not listen on " + port + ": "
                + Files.readString(dir.resolve("sim.log")));
    }

    /** Kills the simulator (the device goes dead); {@link #start()} brings it back. */
    void kill() throws InterruptedException {
        if (server != null) {
            destroyTree(server);
            server = null;
        }
    }

    /** Kills {@code process} and every process it started, and waits until they are gone. */
    static void destroyTree(Process process) throws InterruptedException {
        java.util.List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("process " + handle.pid() + " did not exit after SIGKILL", e);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            kill();
        } finally {
            for (Process process : processes) {
                destroyTree(process);
            }
            OPEN.remove(this);
        }
    }
}
