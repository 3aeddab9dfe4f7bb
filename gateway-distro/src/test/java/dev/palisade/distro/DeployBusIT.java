package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.testkit.TestArchives;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;

/**
 * The Modbus bus bundle replaced by a signed set while a real device (the pymodbus simulator of
 * ModbusIT) is attached: the device attaches again to the new bus bundle and reads, and nothing
 * outside the set is disturbed — no other bundle is stopped, and the threads that were running in
 * other bundles (the spool's, the admin channel's) are the very same threads afterwards.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployBusIT {
    private static final String BASE = "palisade.deploy.bus.it.base";

    @Inject
    private BundleContext context;

    @Inject
    private Deployer deployer;

    private ModbusPeers modbusDevices;

    @Configuration
    public Option[] configuration() throws Exception {
        return DeployItTools.distribution("palisade-deploy-bus-it", BASE, base -> "health.gate.timeout.seconds=30\nwatch.directory=\n");
    }

    @After
    public void stopPeer() throws Exception {
        if (modbusDevices != null) {
            modbusDevices.close();
        }
    }

    @Test
    public void theBusBundleIsReplacedItsDeviceReattachesAndNothingElseIsTouched() throws Exception {
        Path base = Path.of(System.getProperty(BASE));
        Path home = Path.of(context.getProperty("palisade.home"));
        modbusDevices = new ModbusPeers(Path.of(context.getProperty("palisade.data")));
        int port = modbusDevices.startTcp("sim");
        Files.writeString(Path.of(context.getProperty("palisade.etc")).resolve("dev.palisade.bus.modbus.device-plc1.cfg"),
                "id = plc1\ntransport = tcp\nhost = 127.0.0.1\nport = " + port + "\nunit.id = 1\npoll.interval.ms = 200\n"
                        + "channels = temperature holding 24 int16 scale=0.1 unit=degC\n");
        await("plc1 ONLINE with a reading", 30, () -> online("plc1"));
        Object before = serviceId("plc1");

        Path shipped;
        try (Stream<Path> files = Files.list(home.resolve("bundle"))) {
            shipped = files.filter(f -> f.getFileName().toString().startsWith("dev.palisade.bus.modbus-")).findFirst()
                    .orElseThrow();
        }
        Path rebuilt = Files.createDirectories(base.resolve("jars")).resolve("modbus-rebuilt.jar");
        TestArchives.doctor(shipped, rebuilt, e -> e.put("REBUILT.txt", "rebuilt".getBytes(StandardCharsets.UTF_8)));
        Path set = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("bus.zip"), rebuilt);

        // Long-lived threads of other bundles (pool workers that may time out are left out).
        Set<String> longLived = Set.of("palisade-spool", "palisade-admin-accept");
        Set<Thread> othersBefore = threads(longLived::contains);
        assertEquals("the spool and admin threads run before the swap: " + othersBefore, 2, othersBefore.size());
        List<String> stopped = new CopyOnWriteArrayList<>();
        SynchronousBundleListener listener = event -> {
            if (event.getType() == BundleEvent.STOPPING) {
                stopped.add(event.getBundle().getSymbolicName());
            }
        };
        context.addBundleListener(listener);
        DeployOutcome outcome;
        try {
            outcome = deployer.submit(set, DeployOptions.DEFAULT).toCompletableFuture().get(120, TimeUnit.SECONDS);
        } finally {
            context.removeBundleListener(listener);
        }
        assertEquals(outcome.toString(), DeployStatus.APPLIED, outcome.status());
        assertEquals("only the bus bundle was stopped", List.of("dev.palisade.bus.modbus"),
                stopped.stream().distinct().collect(Collectors.toList()));

        await("plc1 attached again to the new bus bundle, ONLINE with a reading", 30, () -> online("plc1"));
        assertNotEquals("plc1 is a new registration of the new bundle", before, serviceId("plc1"));
        Set<Thread> othersAfter = threads(longLived::contains);
        assertTrue("the other bundles' threads are the same threads: before " + othersBefore + ", after " + othersAfter,
                othersAfter.containsAll(othersBefore));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
    }

    private boolean online(String id) {
        try {
            Collection<ServiceReference<LeafDevice>> refs = context.getServiceReferences(LeafDevice.class,
                    "(palisade.device.id=" + id + ")");
            if (refs.isEmpty()) {
                return false;
            }
            LeafDevice device = context.getService(refs.iterator().next());
            return device != null && device.status().state() == DeviceState.ONLINE && !device.latest().isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private Object serviceId(String id) throws Exception {
        return context.getServiceReferences(LeafDevice.class, "(palisade.device.id=" + id + ")").iterator().next()
                .getProperty("service.id");
    }

    private static Set<Thread> threads(java.util.function.Predicate<String> name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> name.test(t.getName())).collect(Collectors.toSet());
    }

    private static void await(String what, long seconds, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        UpstreamItFixture.await(what, seconds, condition);
    }
}
