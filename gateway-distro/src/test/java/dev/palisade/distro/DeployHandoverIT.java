package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkHandover;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.distro.deployit.FailingComponent;
import dev.palisade.distro.deployit.QuietComponent;
import dev.palisade.distro.deployit.Yielding;
import dev.palisade.distro.deployit.YieldingComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Version;

/**
 * Side-by-side (make-before-break) replacement of a bundle that declares
 * {@value LinkHandover#HEADER}, on the real distribution with signed sets: the new revision runs
 * beside the old one before the old one goes; a new revision that fails is removed and the old one
 * runs again (restarted if the new one had started, never stopped if it did not resolve); the same
 * version goes in place. Test bundles stand in for the link: the deployer knows only the header.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployHandoverIT {
    private static final String BASE = "palisade.deploy.handover.it.base";
    private static final Map<String, String> HANDOVER = Map.of(LinkHandover.HEADER, LinkHandover.CONTRACT);

    @Inject
    private BundleContext context;

    @Inject
    private Deployer deployer;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() throws Exception {
        return DeployItTools.distribution("palisade-handover-it", BASE, base -> "health.gate.timeout.seconds=20\n"
                + "watch.directory=\n");
    }

    private Path base() {
        return Path.of(System.getProperty(BASE));
    }

    private Path jars() {
        return base().resolve("jars");
    }

    /** A signed set of one test bundle declaring the hand-over, with a component of {@code implementation}. */
    private Path set(String name, String version, Class<?> implementation, Map<String, String> extraHeaders)
            throws Exception {
        return set(name, version, DeployItTools.component(name + ".component", implementation), extraHeaders);
    }

    /** A signed set of one test bundle declaring the hand-over (unless {@code extraHeaders} say otherwise). */
    private Path set(String name, String version, Map<String, byte[]> components, Map<String, String> extraHeaders)
            throws Exception {
        Map<String, String> headers = new HashMap<>(HANDOVER);
        headers.put("Service-Component", "OSGI-INF/*.xml");
        headers.putAll(extraHeaders);
        Map<String, byte[]> resources = new HashMap<>(components);
        resources.put("build.txt", (name + " " + version + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
        Path jar = DeployItTools.bundle(jars(), name, version, headers, resources);
        Path home = Path.of(context.getProperty("palisade.home"));
        return DeployItTools.sign(home, base().resolve("keys"), "acme-releases",
                base().resolve(name + "-" + version + "-" + System.nanoTime() + ".zip"), jar);
    }

    private DeployOutcome apply(Path set) throws Exception {
        return deployer.submit(set, DeployOptions.DEFAULT).toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    private List<Bundle> installed(String name) {
        return Arrays.stream(context.getBundles()).filter(b -> name.equals(b.getSymbolicName()))
                .collect(Collectors.toList());
    }

    /** Installs version 1.0.0 of {@code name} through the deployer; returns its bundle, ACTIVE. */
    private Bundle firstRevision(String name) throws Exception {
        DeployOutcome first = apply(set(name, "1.0.0", QuietComponent.class, Map.of()));
        assertEquals(first.toString(), DeployStatus.APPLIED, first.status());
        List<Bundle> bundles = installed(name);
        assertEquals(1, bundles.size());
        assertEquals(Bundle.ACTIVE, bundles.get(0).getState());
        return bundles.get(0);
    }

    /**
     * Records, synchronously, every event of the bundles named {@code name}, and at each
     * INSTALLED and STARTED which revisions of that name were installed at that moment and in which state.
     */
    private static final class Events implements SynchronousBundleListener {
        private final String name;
        private final BundleContext context;
        final List<String> log = new CopyOnWriteArrayList<>();

        Events(BundleContext context, String name) {
            this.context = context;
            this.name = name;
        }

        @Override
        public void bundleChanged(BundleEvent event) {
            Bundle b = event.getBundle();
            if (!name.equals(b.getSymbolicName())) {
                return;
            }
            String entry = type(event.getType()) + " " + b.getBundleId() + " " + b.getVersion();
            if (event.getType() == BundleEvent.STOPPING) {
                entry += " yielded=" + Boolean.getBoolean(YieldingComponent.YIELDED + b.getBundleId());
            }
            if (event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.STARTED) {
                List<String> revisions = new ArrayList<>();
                for (Bundle other : context.getBundles()) {
                    if (name.equals(other.getSymbolicName())) {
                        revisions.add(other.getVersion() + "=" + state(other.getState()));
                    }
                }
                entry += " with " + revisions;
            }
            log.add(entry);
        }

        long count(String type, Bundle bundle) {
            return log.stream().filter(e -> e.startsWith(type + " " + bundle.getBundleId() + " ")).count();
        }

        private static String type(int type) {
            return switch (type) {
                case BundleEvent.INSTALLED -> "INSTALLED";
                case BundleEvent.STARTED -> "STARTED";
                case BundleEvent.STOPPING -> "STOPPING";
                case BundleEvent.UPDATED -> "UPDATED";
                case BundleEvent.UNINSTALLED -> "UNINSTALLED";
                default -> "EVENT" + type;
            };
        }

        private static String state(int state) {
            return switch (state) {
                case Bundle.ACTIVE -> "ACTIVE";
                case Bundle.RESOLVED -> "RESOLVED";
                case Bundle.INSTALLED -> "INSTALLED";
                case Bundle.STARTING -> "STARTING";
                case Bundle.STOPPING -> "STOPPING";
                default -> "UNINSTALLED";
            };
        }
    }

    /** An apply's outcome and the bundle events of its bundle meanwhile. */
    private record Watched(DeployOutcome outcome, Events events) {
    }

    /** Applies {@code set} while recording the bundle events of the bundles named {@code name}. */
    private Watched applyWatching(String name, Path set) throws Exception {
        Events events = new Events(context, name);
        context.addBundleListener(events);
        try {
            return new Watched(apply(set), events);
        } finally {
            context.removeBundleListener(events);
        }
    }

    @Test
    public void aHigherVersionDeclaringTheHandoverRunsBesideTheOldOneBeforeTheOldOneGoes() throws Exception {
        String name = "it.handover.up";
        Bundle old = firstRevision(name);
        Watched watched = applyWatching(name, set(name, "1.1.0", QuietComponent.class, Map.of()));
        DeployOutcome outcome = watched.outcome();
        Events events = watched.events();
        assertEquals(outcome.toString(), DeployStatus.APPLIED, outcome.status());
        assertTrue(outcome.detail(), outcome.detail().contains("updated " + name + " side by side"));
        List<Bundle> now = installed(name);
        assertEquals("only the new revision is left: " + now, 1, now.size());
        Bundle fresh = now.get(0);
        assertEquals(new Version(1, 1, 0), fresh.getVersion());
        assertEquals(Bundle.ACTIVE, fresh.getState());
        assertTrue(fresh.getLocation(), fresh.getLocation().startsWith("palisade-deploy:" + name + "@1.1.0"));
        assertEquals(Bundle.UNINSTALLED, old.getState());
        assertTrue("the new revision started while the old one was still ACTIVE: " + events.log, events.log.contains(
                "STARTED " + fresh.getBundleId() + " 1.1.0 with [1.0.0=ACTIVE, 1.1.0=ACTIVE]"));
        assertEquals("the old one was stopped once, after the new one started: " + events.log, 1,
                events.count("STOPPING", old));
        assertTrue(events.log.toString(), indexOf(events.log, "STOPPING " + old.getBundleId() + " 1.0.0")
                > indexOf(events.log, "STARTED " + fresh.getBundleId() + " 1.1.0 with [1.0.0=ACTIVE, 1.1.0=ACTIVE]"));
        String history = GatewayChecks.execute(commands, "palisade:deploy history");
        assertTrue(history, history.contains("side by side"));

        // The deployer keeps the new revision's jar for the next rollback, which goes down, in place.
        DeployOutcome back = deployer.rollback().toCompletableFuture().get(120, TimeUnit.SECONDS);
        assertEquals(back.toString(), DeployStatus.APPLIED, back.status());
        List<Bundle> after = installed(name);
        assertEquals(1, after.size());
        assertEquals(new Version(1, 0, 0), after.get(0).getVersion());
        assertEquals("the rollback updated the bundle in place", fresh.getBundleId(), after.get(0).getBundleId());
        assertEquals(Bundle.ACTIVE, after.get(0).getState());
    }

    @Test
    public void aNewRevisionWhoseComponentFailsIsRemovedAndTheOldOneThatYieldedStartedAgain() throws Exception {
        String name = "it.handover.failing";
        Bundle old = firstYieldingRevision(name, 0);
        // The new revision makes the old one yield (as a new link does), and fails.
        Map<String, byte[]> components = new HashMap<>(yielding(name, 0));
        components.putAll(DeployItTools.component(name + ".component", FailingComponent.class));
        Watched watched = applyWatching(name, set(name, "1.1.0", components, YIELDING));
        DeployOutcome outcome = watched.outcome();
        Events events = watched.events();
        assertEquals(outcome.toString(), DeployStatus.ROLLED_BACK, outcome.status());
        assertEquals(outcome.detail(), RollbackCause.ACTIVATION, outcome.rollbackCause());
        assertTrue(outcome.detail(), outcome.detail().contains(name + ".component")
                && outcome.detail().contains("side by side: the new revision was removed, " + name + " 1.0.0 started again"));
        assertEquals("only the old revision is left", List.of(old), installed(name));
        assertEquals(Bundle.ACTIVE, old.getState());
        assertTrue("both were installed at once: " + events.log,
                events.log.stream().anyMatch(e -> e.matches("INSTALLED \\d+ 1\\.1\\.0 with \\[1\\.0\\.0=ACTIVE, 1\\.1\\.0=INSTALLED\\]")));
        assertEquals("the old one was restarted (a link that yielded reconnects only then): " + events.log, 1,
                events.count("STOPPING", old));
        assertEquals(events.log.toString(), 1, events.count("STARTED", old));
        waitUntil("the old revision, which yielded, offers its hand-over again (a link: connects again)",
                () -> offers(old, Yielding.class.getName()));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
    }

    @Test
    public void aNewRevisionThatFailsBeforeAskingLeavesTheOldOneRunningUntouched() throws Exception {
        String name = "it.handover.unasked";
        Bundle old = firstYieldingRevision(name, 0);
        // The new revision fails without asking the old one to yield (as a new link that cannot reach the hub).
        Watched watched = applyWatching(name, set(name, "1.1.0",
                DeployItTools.component(name + ".component", FailingComponent.class), YIELDING));
        DeployOutcome outcome = watched.outcome();
        Events events = watched.events();
        assertEquals(outcome.toString(), DeployStatus.ROLLED_BACK, outcome.status());
        assertEquals(outcome.detail(), RollbackCause.ACTIVATION, outcome.rollbackCause());
        assertTrue(outcome.detail(), outcome.detail().contains("side by side: the new revision was removed, " + name
                + " 1.0.0 kept running (it never handed over)"));
        assertEquals(List.of(old), installed(name));
        assertEquals(Bundle.ACTIVE, old.getState());
        assertEquals("the old one, never asked to yield, was not restarted: " + events.log, 0,
                events.count("STOPPING", old));
        assertTrue("it still offers its hand-over", offers(old, Yielding.class.getName()));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
    }

    @Test
    public void withTheLinkUpTheOldRevisionIsRemovedOnlyAfterItHandedOver() throws Exception {
        String name = "it.handover.yield";
        // The gate waits for the hand-over when the link was UP before: a link that is UP.
        Dictionary<String, Object> ranking = new Hashtable<>(Map.of(Constants.SERVICE_RANKING, 1000));
        ServiceRegistration<HubLink> upLink = context.registerService(HubLink.class, new HubLink() {
            @Override
            public LinkState state() {
                return LinkState.UP;
            }

            @Override
            public CompletionStage<byte[]> request(String suffix, byte[] payload, Duration timeout) {
                return CompletableFuture.failedFuture(new IllegalStateException("a test link"));
            }
        }, ranking);
        try {
            Bundle old = firstYieldingRevision(name, 1000);
            Watched watched = applyWatching(name, set(name, "1.1.0", yielding(name, 0), YIELDING));
            DeployOutcome outcome = watched.outcome();
            Events events = watched.events();
            assertEquals(outcome.toString(), DeployStatus.APPLIED, outcome.status());
            assertTrue(outcome.detail(), outcome.detail().contains("side by side"));
            assertEquals(Bundle.UNINSTALLED, old.getState());
            assertEquals("the old revision took 1 s to yield and was stopped only after it had: " + events.log,
                    "STOPPING " + old.getBundleId() + " 1.0.0 yielded=true",
                    events.log.stream().filter(e -> e.startsWith("STOPPING " + old.getBundleId() + " ")).findFirst()
                            .orElse("no STOPPING"));
            Bundle fresh = installed(name).get(0);
            assertTrue("the new revision offers the hand-over now", offers(fresh, Yielding.class.getName()));
        } finally {
            upLink.unregister();
        }
    }

    /** Headers of a bundle whose hand-over contract is {@link Yielding}, and who can run its component. */
    private static final Map<String, String> YIELDING = Map.of(LinkHandover.HEADER, Yielding.class.getName(),
            "Import-Package", "org.osgi.framework,org.osgi.service.component");

    private static Map<String, byte[]> yielding(String name, long delayMs) throws Exception {
        return DeployItTools.component(name + ".yielding", YieldingComponent.class,
                Map.of("yield.delay.ms", Long.toString(delayMs)));
    }

    /** Installs version 1.0.0 of {@code name} with a {@link YieldingComponent} through the deployer. */
    private Bundle firstYieldingRevision(String name, long yieldDelayMs) throws Exception {
        DeployOutcome first = apply(set(name, "1.0.0", yielding(name, yieldDelayMs), YIELDING));
        assertEquals(first.toString(), DeployStatus.APPLIED, first.status());
        List<Bundle> bundles = installed(name);
        assertEquals(1, bundles.size());
        waitUntil(name + " 1.0.0 offers its hand-over", () -> offers(bundles.get(0), Yielding.class.getName()));
        return bundles.get(0);
    }

    private static int indexOf(List<String> log, String prefix) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean offers(Bundle bundle, String objectClass) {
        ServiceReference<?>[] registered = bundle.getRegisteredServices();
        return registered != null && Arrays.stream(registered)
                .anyMatch(r -> Arrays.asList((String[]) r.getProperty(Constants.OBJECTCLASS)).contains(objectClass));
    }

    private static void waitUntil(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    public void aNewRevisionThatDoesNotResolveIsRemovedAndTheOldOneWasNeverStopped() throws Exception {
        String name = "it.handover.unresolved";
        Bundle old = firstRevision(name);
        Watched watched = applyWatching(name, set(name, "1.1.0", QuietComponent.class,
                Map.of("Import-Package", "it.handover.nowhere")));
        DeployOutcome outcome = watched.outcome();
        Events events = watched.events();
        assertEquals(outcome.toString(), DeployStatus.ROLLED_BACK, outcome.status());
        assertEquals(outcome.detail(), RollbackCause.RESOLUTION, outcome.rollbackCause());
        assertTrue(outcome.detail(), outcome.detail().contains("it.handover.nowhere")
                && outcome.detail().contains(name + " 1.0.0 kept running and was never stopped"));
        assertEquals(List.of(old), installed(name));
        assertEquals(Bundle.ACTIVE, old.getState());
        assertTrue("the new revision was installed beside it: " + events.log,
                events.log.stream().anyMatch(e -> e.startsWith("INSTALLED ") && e.contains(" 1.1.0 with [1.0.0=ACTIVE")));
        assertEquals("the old one was never stopped: " + events.log, 0, events.count("STOPPING", old));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
    }

    @Test
    public void theSameVersionWithTheHeaderIsUpdatedInPlace() throws Exception {
        String name = "it.handover.same";
        Bundle old = firstRevision(name);
        Watched watched = applyWatching(name, set(name, "1.0.0", QuietComponent.class, Map.of("X-Rebuilt", "yes")));
        DeployOutcome outcome = watched.outcome();
        Events events = watched.events();
        assertEquals(outcome.toString(), DeployStatus.APPLIED, outcome.status());
        assertFalse(outcome.detail(), outcome.detail().contains("side by side"));
        assertEquals("the same bundle, updated", List.of(old), installed(name));
        assertEquals("yes", old.getHeaders().get("X-Rebuilt"));
        assertEquals(Bundle.ACTIVE, old.getState());
        assertTrue("never a second revision: " + events.log, events.log.stream().noneMatch(e -> e.startsWith("INSTALLED")));
        assertEquals(events.log.toString(), 1, events.count("UPDATED", old));
        assertNotNull(events.log.toString(), events.log.stream().filter(e -> e.startsWith("STOPPING")).findFirst().orElse(null));
    }
}
