package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.distro.leaky.LeakyActivator;
import java.net.ServerSocket;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.tinybundles.TinyBundles;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Every Palisade bundle of the distribution stops its threads and releases its resources when
 * it is stopped, and replacing it disturbs no other bundle (issue 9). The whole gateway runs and
 * does its job — the key on a fresh SoftHSM2 token, a trust domain that verifies the hub, the
 * spool, the link to a real Mosquitto 2 over mutual TLS, Modbus devices on real pymodbus servers
 * over TCP and over RTU (a socat pty pair), the shell and its admin channel — while each Palisade
 * bundle in turn is stopped,
 * updated from its own jar, refreshed and started, {@value #ROUNDS} times (and the link, in addition,
 * replaced side by side three times, {@link LinkBesideSwaps}). After each round:
 *
 * <ul>
 * <li>no thread of the old revision is alive: none named for the bundle, running its classes
 *     or with its class loader as context class loader ({@link ThreadCensus});
 * <li>no more threads of any name than after the first round, and no more open file
 *     descriptors than a small bound after the last;
 * <li>its replaced revision's class loader can be garbage-collected;
 * <li>the bundle is ACTIVE with every component satisfied, the link UP, the devices ONLINE;
 * <li>every other bundle's threads are the same objects, the Modbus devices the same services
 *     (the TCP one on the same connection), the link the same connection to Mosquitto (the identity is
 *     the one bundle the link depends on: replacing it reconnects the link, by design).
 * </ul>
 *
 * <p>Every problem of every bundle is collected, and the failure says which bundle leaked or
 * disturbed which thread, descriptor or session. Needs mosquitto, mosquitto-clients, softhsm2
 * socat and python3-pymodbus; a missing one fails the test naming it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleSwapLeakIT {

    private static final String GATEWAY = "gw-swap";
    private static final int ROUNDS = 5;
    /**
     * Not swapped here: refreshing the API bundle restarts every bundle that imports it, this
     * test's own probe bundle included, which would end the test; its consumers' threads are
     * covered by their own rounds.
     */
    private static final String API = "dev.palisade.api";
    static final String IDENTITY = "dev.palisade.identity";
    static final String UPSTREAM = "dev.palisade.upstream.mqtt";
    static final String MODBUS = "dev.palisade.bus.modbus";
    /** A test bundle that leaks a thread on purpose ({@link LeakyActivator}): the proof that this test can fail. */
    private static final String LEAKY = "dev.palisade.test.leaky";
    /** Descriptors the framework, logging and JDK may open between two reads (log rolling, a jar, a pipe). */
    private static final int DESCRIPTOR_SLACK = 6;

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    @Inject
    private ServiceComponentRuntime scr;

    /** The Modbus devices: one over TCP, one over RTU on a pty pair (socat), both on pymodbus. */
    static final List<String> DEVICES = List.of("plc1", "drive-3");

    private UpstreamItFixture hub;
    private final List<Process> peers = new ArrayList<>();
    int mosquittoPort;
    int modbusPort;
    private Path received;
    private int published;

    @Configuration
    public Option[] configuration() throws IOException {
        // The faulty bundle is installed from a file, like the distribution's, so that update() re-reads it.
        Path leaky = Files.createDirectories(Path.of("target")).resolve(LEAKY + ".jar").toAbsolutePath();
        try (InputStream jar = TinyBundles.bundle()
                .setHeader(Constants.BUNDLE_MANIFESTVERSION, "2")
                .setHeader(Constants.BUNDLE_SYMBOLICNAME, LEAKY)
                .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                .setHeader(Constants.IMPORT_PACKAGE, "org.osgi.framework")
                .setHeader(Constants.BUNDLE_ACTIVATOR, LeakyActivator.class.getName())
                .addClass(LeakyActivator.class)
                .build(TinyBundles.rawBuilder())) {
            Files.copy(jar, leaky, StandardCopyOption.REPLACE_EXISTING);
        }
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-swap-it")),
                bundle(leaky.toUri().toString()).startLevel(2), DeployItTools.testArchivesBundle());
    }

    @After
    public void stopProcesses() throws InterruptedException {
        if (hub != null) {
            hub.close();
        }
        for (Process peer : peers) {
            peer.destroyForcibly();
            peer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    public void everyPalisadeBundleUpdatedRepeatedlyLeavesNoThreadNorDescriptorAndDisturbsNoOtherBundle() throws Exception {
        startWorkingGateway();
        System.out.println("BundleSwapLeakIT: threads of the working gateway\n" + ThreadCensus.now().dump());

        List<String> problems = new ArrayList<>();
        for (String bsn : swapOrder()) {
            problems.addAll(swapRepeatedly(bsn, ROUNDS));
            problems.addAll(stillDoesItsJob(bsn));
        }
        if (swapOrder().contains(UPSTREAM)) {
            // The link also replaced as the deployer replaces it: a newer one beside it takes over.
            problems.addAll(LinkBesideSwaps.run(this, context, hub.work, 3));
            problems.addAll(stillDoesItsJob(UPSTREAM + " side by side"));
        }
        assertTrue("Updating the Palisade bundles found " + problems.size() + " problem(s):\n- "
                + String.join("\n- ", problems), problems.isEmpty());

        // The same checks catch a bundle that leaves its thread behind, and name both.
        List<String> leaks = swapRepeatedly(LEAKY, 3);
        assertTrue("the deliberately leaking test bundle was caught: " + leaks, leaks.stream().anyMatch(problem ->
                problem.startsWith(LEAKY + " round 1/3: after stop(), thread 'palisade-leaky-1'")
                        && problem.contains("still runs the bundle's " + LeakyActivator.class.getName())));
        assertTrue("its thread growth was caught: " + leaks, leaks.stream().anyMatch(problem ->
                problem.startsWith(LEAKY + " round 2/3: leaked threads named 'palisade-leaky-#': 2 after round 1, 3 now")));
        assertTrue("its class loaders, pinned by its threads, were caught: " + leaks, leaks.contains(
                LEAKY + ": 3 of 3 replaced revisions are still reachable after GC (a thread, a static or a JDK"
                        + " registry holds their class loader): those replaced in rounds [1, 2, 3]"));
    }

    // --- the gateway, doing its job ---

    private void startWorkingGateway() throws Exception {
        hub = new UpstreamItFixture(context, commands, "swap-it");
        mosquittoPort = hub.startMosquitto();
        hub.provisionGateway(GATEWAY, "");
        received = hub.subscribeTelemetry(mosquittoPort, GATEWAY);
        // Trust does a job: the hub's certificate is verified by its trust domain.
        Files.writeString(hub.etc.resolve("dev.palisade.trust.domain-hub.cfg"), "name = hub\nanchors = "
                + hub.work.resolve("ca.pem") + "\n");
        Files.writeString(hub.etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + mosquittoPort
                + "\nhub.trust.domain = hub\ninflight.window = 64\nbackoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        startModbusPeer();
        Files.writeString(hub.etc.resolve("dev.palisade.bus.modbus.device-plc1.cfg"), "id = plc1\ntransport = tcp\n"
                + "host = 127.0.0.1\nport = " + modbusPort + "\nunit.id = 1\npoll.interval.ms = 200\n"
                + "channels = temperature holding 24 int16 scale=0.1 unit=degC; counter holding 100 uint16\n");
        Path serialPort = startRtuPeer();
        Files.writeString(hub.etc.resolve("dev.palisade.bus.modbus.device-drive3.cfg"), "id = drive-3\ntransport = rtu\n"
                + "serial.port = " + serialPort + "\nserial.baud = 115200\nserial.parity = none\nserial.stop.bits = 1\n"
                + "unit.id = 3\npoll.interval.ms = 200\nchannels = speed holding 2 float32 unit=rpm\n");
        awaitOrFail("the link UP through the trust domain, plc1 and drive-3 ONLINE", 90, () -> gatewayProblems().isEmpty());
        String upstream = GatewayChecks.execute(commands, "palisade:upstream");
        assertTrue(upstream, upstream.contains("verified by trust domain 'hub'"));
        // The sessions the test watches exist: one connection each, from this process.
        assertEquals("the link's connections to Mosquitto", 1, ProcessResources.connectionsTo(mosquittoPort).size());
        assertEquals("plc1's connections to its peer", 1, ProcessResources.connectionsTo(modbusPort).size());
        List<String> firstMessage = deliver("boot");
        assertEquals("a message through spool and link reaches the hub", List.of(), firstMessage);
    }

    private void startModbusPeer() throws Exception {
        String script = System.getProperty("palisade.modbus.sim");
        assertNotNull("system property palisade.modbus.sim must name modbus-sim.py (set by the pom)", script);
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import pymodbus").redirectErrorStream(true).start();
        if (probe.waitFor() != 0) {
            fail("pymodbus is missing: install the Debian package python3-pymodbus: "
                    + new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        try (ServerSocket free = new ServerSocket(0)) {
            modbusPort = free.getLocalPort();
        }
        peers.add(new ProcessBuilder("/usr/bin/python3", script, "tcp", Integer.toString(modbusPort))
                .redirectErrorStream(true).redirectOutput(hub.work.resolve("modbus-sim.log").toFile()).start());
        awaitOrFail("the Modbus peer listening on " + modbusPort, 20, () -> UpstreamItFixture.listening(modbusPort));
    }

    /** A pty pair (socat) with pymodbus' RTU server on one end; @return the gateway's end */
    private Path startRtuPeer() throws Exception {
        Path serverPty = hub.work.resolve("ttyS_srv");
        Path clientPty = hub.work.resolve("ttyS_cli");
        try {
            peers.add(new ProcessBuilder("socat", "pty,raw,echo=0,link=" + serverPty, "pty,raw,echo=0,link=" + clientPty)
                    .redirectErrorStream(true).redirectOutput(hub.work.resolve("socat.log").toFile()).start());
        } catch (IOException e) {
            throw new AssertionError("socat is missing: install the Debian package socat", e);
        }
        awaitOrFail("the pty pair", 10, () -> Files.exists(clientPty) && Files.exists(serverPty));
        peers.add(new ProcessBuilder("/usr/bin/python3", System.getProperty("palisade.modbus.sim"), "rtu",
                serverPty.toString(), "115200").redirectErrorStream(true)
                .redirectOutput(hub.work.resolve("modbus-rtu-sim.log").toFile()).start());
        return clientPty;
    }

    /** @return what keeps the gateway from doing its job now: a bundle not ACTIVE, a component not satisfied, link, device */
    List<String> gatewayProblems() {
        List<String> problems = new ArrayList<>();
        for (Bundle bundle : palisadeBundles()) {
            if (bundle.getState() != Bundle.ACTIVE) {
                problems.add(bundle.getSymbolicName() + " is in state " + bundle.getState());
            } else {
                problems.addAll(componentProblems(bundle));
            }
        }
        HubLink link = hub.service(HubLink.class);
        if (link == null || link.state() != LinkState.UP) {
            problems.add("the hub link is " + (link == null ? "not registered" : link.state()));
        }
        for (String id : DEVICES) {
            LeafDevice device = device(id);
            if (device == null || device.status().state() != DeviceState.ONLINE) {
                problems.add("the Modbus device " + id + " is " + (device == null ? "not registered" : device.status().state()));
            }
        }
        return problems;
    }

    private List<String> componentProblems(Bundle bundle) {
        List<String> problems = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs(bundle)) {
            if (!scr.isComponentEnabled(description)) {
                problems.add(description.name + " is disabled");
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state != ComponentConfigurationDTO.ACTIVE
                        && configuration.state != ComponentConfigurationDTO.SATISFIED) {
                    problems.add(description.name + " is in DS state " + configuration.state);
                }
            }
        }
        return problems;
    }

    /** Publishes one message through the spool and waits for it at the hub's observer; @return problems */
    private List<String> deliver(String label) throws Exception {
        String payload = "swap-" + label + "-" + published++;
        Upstream upstream = hub.service(Upstream.class);
        if (upstream == null) {
            return List.of("after " + label + ": no Upstream service");
        }
        upstream.publish("meter-0", Upstream.TELEMETRY, payload.getBytes(StandardCharsets.UTF_8), PublishOptions.priority(5));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!UpstreamItFixture.lines(received).contains(payload)) {
            if (System.nanoTime() > deadline) {
                return List.of("after " + label + ": message " + payload + " did not reach the hub within 60 s");
            }
            Thread.sleep(100);
        }
        return List.of();
    }

    private List<String> stillDoesItsJob(String bsn) throws Exception {
        List<String> problems = new ArrayList<>(deliver("updating " + bsn));
        String status = GatewayChecks.execute(commands, "palisade:status");
        if (!status.contains(": UP")) {
            problems.add("after updating " + bsn + ": palisade:status is not UP:\n" + status);
        }
        AdminChannelClient.Answer answer = AdminChannelClient.send(
                Path.of(context.getProperty("palisade.data")).resolve("run/admin.sock"), List.of("status"));
        if (answer.exitCode() != 0) {
            problems.add("after updating " + bsn + ": the admin channel answered " + answer.exitCode() + ": " + answer.err());
        }
        return problems;
    }

    // --- one bundle, updated again and again ---

    private List<String> swapRepeatedly(String bsn, int rounds) throws Exception {
        List<String> problems = new ArrayList<>();
        Bundle bundle = installed(bsn);
        List<WeakReference<ClassLoader>> staleLoaders = new ArrayList<>();
        Set<Thread> reported = new HashSet<>();
        Map<String, Integer> baselineCounts = null;
        List<String> baselineDescriptors = null;
        for (int round = 1; round <= rounds; round++) {
            String where = bsn + " round " + round + "/" + rounds;
            SwapSessions before = SwapSessions.capture(this, bsn);
            ClassLoader oldLoader = bundle.adapt(BundleWiring.class).getClassLoader();
            WeakReference<ClassLoader> stale = new WeakReference<>(oldLoader);
            Set<String> packages = ThreadCensus.packagesOf(bundle);

            bundle.stop();
            problems.addAll(ThreadCensus.leftBehind(where, bsn, before.census, packages, oldLoader, reported, threadOwners()));
            bundle.update();
            refresh(bundle);
            bundle.start();
            if (bundle.adapt(BundleWiring.class).getClassLoader() == oldLoader) {
                problems.add(where + ": update() and refresh left the old revision in use");
            }
            staleLoaders.add(stale);
            oldLoader = null; // only the weak reference from here: the revision must be collectable

            // Working, and still working a second later: a link that has not yet noticed a change is not "back".
            boolean working = awaitQuietly(90, () -> gatewayProblems().isEmpty()) && pause(1_000)
                    && awaitQuietly(90, () -> gatewayProblems().isEmpty());
            if (working && IDENTITY.equals(bsn)) {
                // The link ends a connection made with a withdrawn identity (upstream.md): a new one must be UP.
                working = awaitQuietly(90, () -> !ProcessResources.connectionsTo(mosquittoPort).equals(before.hubConnections)
                        && gatewayProblems().isEmpty());
            }
            if (!working) {
                problems.add(where + ": the gateway did not come back within 90 s: " + gatewayProblems());
                return problems; // the next rounds would only repeat it
            }
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.getContextClassLoader() == stale.get()) {
                    problems.add(where + ": thread '" + thread.getName() + "' keeps the stale revision's class loader"
                            + " as its context class loader");
                }
            }
            problems.addAll(before.disturbedBy(where, SwapSessions.capture(this, bsn)));
            System.out.println("BundleSwapLeakIT: " + where + " done, " + problems.size() + " problem(s) so far for the bundle");
            if (baselineCounts == null) {
                Thread.sleep(2_000); // let lazily started threads (first connection, first poll) appear
                baselineCounts = ThreadCensus.now().countsByName();
                baselineDescriptors = ProcessResources.openDescriptors();
                continue;
            }
            Map<String, Integer> baseline = baselineCounts;
            if (!awaitQuietly(15, () -> grown(baseline, ThreadCensus.now()).isEmpty())) {
                ThreadCensus now = ThreadCensus.now();
                for (Map.Entry<String, Integer> growth : grown(baseline, now).entrySet()) {
                    List<String> named = new ArrayList<>();
                    for (Thread thread : now.threads()) {
                        if (thread.isAlive() && ThreadCensus.pattern(thread.getName()).equals(growth.getKey())) {
                            named.add((before.census.threads().contains(thread) ? "from an earlier round: " : "") + now.describe(thread));
                        }
                    }
                    problems.add(where + ": leaked threads named '" + growth.getKey() + "': " + growth.getValue()
                            + " after round 1, " + countOf(now, growth.getKey()) + " now: " + named);
                }
            }
        }
        List<Integer> pinned = StaleRevisions.reachable(staleLoaders);
        String heapDump = System.getProperty("palisade.swap.heapdump", "");
        if (!pinned.isEmpty() && !heapDump.isEmpty()) {
            // For whoever hunts the reference: a heap dump to look for the path to the stale loader.
            Path dump = Path.of(heapDump + "-" + bsn + ".hprof");
            Files.deleteIfExists(dump);
            java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=HotSpotDiagnostic"), "dumpHeap",
                    new Object[] {dump.toString(), true}, new String[] {String.class.getName(), "boolean"});
        }
        if (!pinned.isEmpty()) {
            problems.add(bsn + ": " + pinned.size() + " of " + staleLoaders.size() + " replaced revisions are still reachable"
                    + " after GC (a thread, a static or a JDK registry holds their class loader): those replaced in rounds "
                    + pinned);
        }
        List<String> descriptors = ProcessResources.openDescriptors();
        if (baselineDescriptors != null && descriptors.size() > baselineDescriptors.size() + DESCRIPTOR_SLACK) {
            problems.add(bsn + ": " + (descriptors.size() - baselineDescriptors.size()) + " more open file descriptors after "
                    + rounds + " rounds than after the first (" + baselineDescriptors.size() + " → " + descriptors.size()
                    + "), new: " + added(baselineDescriptors, descriptors));
        }
        return problems;
    }

    private static int countOf(ThreadCensus census, String pattern) {
        return census.countsByName().getOrDefault(pattern, 0);
    }

    private static Map<String, Integer> grown(Map<String, Integer> baseline, ThreadCensus now) {
        Map<String, Integer> grown = new LinkedHashMap<>();
        now.countsByName().forEach((pattern, count) -> {
            if (count > baseline.getOrDefault(pattern, 0)) {
                grown.put(pattern, baseline.getOrDefault(pattern, 0));
            }
        });
        return grown;
    }

    private static List<String> added(List<String> before, List<String> after) {
        Map<String, Integer> left = new HashMap<>();
        before.forEach(target -> left.merge(target, 1, Integer::sum));
        List<String> added = new ArrayList<>();
        for (String target : after) {
            if (left.merge(target, -1, Integer::sum) < 0) {
                added.add(target);
            }
        }
        return added;
    }

    void refresh(Bundle bundle) throws InterruptedException {
        CountDownLatch refreshed = new CountDownLatch(1);
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        wiring.refreshBundles(List.of(bundle), event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED || event.getType() == FrameworkEvent.ERROR) {
                refreshed.countDown();
            }
        });
        assertTrue("refreshing " + bundle.getSymbolicName() + " did not finish within 60 s", refreshed.await(60, TimeUnit.SECONDS));
    }

    // --- helpers ---

    /**
     * Every Palisade bundle but the API (see {@link #API}); the identity last, since the link
     * reconnects for it. {@code -Dpalisade.swap.only=BSN[,BSN...]} swaps those only, in that order (while fixing one).
     */
    private List<String> swapOrder() {
        List<String> order = new ArrayList<>();
        String only = System.getProperty("palisade.swap.only", "");
        if (!only.isEmpty()) {
            return List.of(only.split(","));
        }
        for (String bsn : palisadeSymbolicNames()) {
            if (!bsn.equals(API) && !bsn.equals(IDENTITY)) {
                order.add(bsn);
            }
        }
        order.add(IDENTITY);
        return order;
    }

    private List<Bundle> palisadeBundles() {
        List<Bundle> bundles = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName() != null && bundle.getSymbolicName().startsWith("dev.palisade.")
                    && !bundle.getLocation().startsWith("local") && bundle.getLocation().contains("/bundle/")) {
                bundles.add(bundle);
            }
        }
        return bundles;
    }

    private List<String> palisadeSymbolicNames() {
        return palisadeBundles().stream().map(Bundle::getSymbolicName).sorted().toList();
    }

    /** The distribution's Palisade bundles and the test's leaky one: who a {@code palisade-} thread may belong to. */
    List<String> threadOwners() {
        List<String> owners = new ArrayList<>(palisadeSymbolicNames());
        owners.add(LEAKY);
        return owners;
    }

    private Bundle installed(String symbolicName) {
        for (Bundle bundle : context.getBundles()) {
            if (symbolicName.equals(bundle.getSymbolicName())) {
                return bundle;
            }
        }
        throw new AssertionError("bundle " + symbolicName + " is not in the distribution");
    }

    LeafDevice device(String id) {
        try {
            Collection<ServiceReference<LeafDevice>> refs = context.getServiceReferences(LeafDevice.class,
                    "(" + LeafDevice.ID + "=" + id + ")");
            if (refs.isEmpty()) {
                return null;
            }
            // Looked at, not kept: the test must not hold a service of a bundle it replaces.
            LeafDevice device = context.getService(refs.iterator().next());
            context.ungetService(refs.iterator().next());
            return device;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    Object serviceId(Class<?> type, String filter) {
        try {
            Collection<? extends ServiceReference<?>> refs = context.getServiceReferences(type, filter);
            return refs.isEmpty() ? "none" : refs.iterator().next().getProperty("service.id");
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    private static boolean awaitQuietly(int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private void awaitOrFail(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        if (!awaitQuietly(seconds, condition)) {
            fail("timed out after " + seconds + " s waiting for " + what + ": " + gatewayProblems());
        }
    }
}
