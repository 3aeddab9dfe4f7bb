package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.deploy.DeployOptions;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.testkit.TestArchives;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Version;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * Signed updates on the real distribution: sets made with the distribution's own
 * {@code bin/palisade pki} and {@code bin/palisade bundle sign}, applied by the deploy bundle
 * against code-signing anchors in the gateway's {@code etc/code-signing}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployIT {
    private static final String BASE = "palisade.deploy.it.base";

    @Inject
    private BundleContext context;

    @Inject
    private Deployer deployer;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() throws Exception {
        return DeployItTools.distribution("palisade-deploy-it", BASE, base -> "health.gate.timeout.seconds=20\n"
                + "watch.directory=" + base.resolve("watch") + "\nwatch.interval.ms=200\n");
    }

    private Path base() {
        return Path.of(System.getProperty(BASE));
    }

    private Path home() {
        return Path.of(context.getProperty("palisade.home"));
    }

    private Path sign(String name, Path... jars) throws Exception {
        return DeployItTools.sign(home(), base().resolve("keys"), "acme-releases", base().resolve(name + ".zip"), jars);
    }

    private DeployOutcome apply(Path set) throws Exception {
        return apply(set, DeployOptions.DEFAULT);
    }

    private DeployOutcome apply(Path set, DeployOptions options) throws Exception {
        return deployer.submit(set, options).toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    private Bundle installed(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElse(null);
    }

    private Path jars() {
        return base().resolve("jars");
    }

    private static void assertOutcome(DeployOutcome outcome, DeployStatus status) {
        assertEquals(outcome.toString(), status, outcome.status());
    }

    @Test
    public void aSignedSetInstallsUpdatesRefusesADowngradeUnlessForcedAndRollsBack() throws Exception {
        String name = "it.deploy.good";
        DeployOutcome first = apply(sign("good-1", DeployItTools.bundle(jars(), name, "1.0.0")));
        assertOutcome(first, DeployStatus.APPLIED);
        assertEquals(Bundle.ACTIVE, installed(name).getState());
        assertEquals(first.set(), deployer.current().orElseThrow());

        assertOutcome(apply(sign("good-2", DeployItTools.bundle(jars(), name, "1.1.0"))), DeployStatus.APPLIED);
        assertEquals(new Version(1, 1, 0), installed(name).getVersion());

        Path older = sign("good-old", DeployItTools.bundle(jars(), name, "1.0.1"));
        DeployOutcome downgrade = apply(older);
        assertOutcome(downgrade, DeployStatus.REFUSED);
        assertEquals(DeployRefusal.DOWNGRADE, downgrade.refusal());
        assertTrue(downgrade.detail(), downgrade.detail().contains("1.1.0") && downgrade.detail().contains("--force"));
        assertEquals(new Version(1, 1, 0), installed(name).getVersion());

        // The operator forces it at the shell, as 'bin/palisade deploy FILE --force' does.
        String forced = GatewayChecks.execute(commands, "palisade:deploy '" + older + "' --force");
        assertTrue(forced, forced.startsWith("APPLIED"));
        assertEquals(new Version(1, 0, 1), installed(name).getVersion());
        String list = GatewayChecks.execute(commands, "palisade:deploy list");
        assertTrue(list, list.contains(name + " 1.0.1 ACTIVE"));

        DeployOutcome back = deployer.rollback().toCompletableFuture().get(120, TimeUnit.SECONDS);
        assertOutcome(back, DeployStatus.APPLIED);
        assertEquals("rollback returns exactly the previous jar", new Version(1, 1, 0), installed(name).getVersion());
        assertEquals(Bundle.ACTIVE, installed(name).getState());
        assertEquals(back, deployer.history().get(0));

        String history = GatewayChecks.execute(commands, "palisade:deploy history");
        assertTrue(history, history.contains("REFUSED DOWNGRADE"));
    }

    @Test
    public void aRebuiltShellIsUpdatedAndNoOtherBundleRestarts() throws Exception {
        Path shipped;
        try (Stream<Path> files = Files.list(home().resolve("bundle"))) {
            shipped = files.filter(f -> f.getFileName().toString().startsWith("dev.palisade.shell-")).findFirst().orElseThrow();
        }
        Path rebuilt = jars().resolve("dev.palisade.shell-rebuilt.jar");
        Files.createDirectories(jars());
        TestArchives.doctor(shipped, rebuilt, e -> e.put("REBUILT.txt", "rebuilt for DeployIT".getBytes(StandardCharsets.UTF_8)));
        List<String> stopped = new CopyOnWriteArrayList<>();
        // STOPPING reaches synchronous listeners only, and before the apply's outcome is known.
        SynchronousBundleListener listener = event -> {
            if (event.getType() == BundleEvent.STOPPING) {
                stopped.add(event.getBundle().getSymbolicName());
            }
        };
        context.addBundleListener(listener);
        try {
            DeployOutcome outcome = apply(sign("shell", rebuilt));
            assertOutcome(outcome, DeployStatus.APPLIED);
        } finally {
            context.removeBundleListener(listener);
        }
        assertEquals("only the shell (nothing depends on it) was stopped and started", List.of("dev.palisade.shell"),
                stopped.stream().distinct().collect(Collectors.toList()));
        assertNotNull("the new shell jar runs", installed("dev.palisade.shell").getEntry("REBUILT.txt"));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
        String status = waitForCommand("palisade:status");
        assertTrue(status, status.startsWith("Palisade "));
    }

    @Test
    public void unsignedTamperedUntrustedAndNonCodeSigningSetsAreRefusedBeforeAnythingIsInstalled() throws Exception {
        String name = "it.deploy.refused";
        Path good = sign("refused-good", DeployItTools.bundle(jars(), name, "1.0.0"));
        long before = context.getBundles().length;

        Path unsigned = TestArchives.doctor(good, base().resolve("unsigned.zip"), e -> e.remove("palisade-set.sig"));
        Path evil = DeployItTools.bundle(jars(), name, "1.0.0");
        Path tampered = TestArchives.doctor(good, base().resolve("tampered.zip"), e -> e.put("bundles/" + name + ".jar",
                read(evil)));
        Path stranger = DeployItTools.sign(home(), base().resolve("keys"), "stranger", base().resolve("stranger.zip"), evil);
        Path device = DeployItTools.sign(home(), base().resolve("keys"), "not-a-publisher", base().resolve("device.zip"), evil);
        Path garbage = Files.writeString(base().resolve("garbage.zip"), "not a zip at all");

        Map<Path, DeployRefusal> expected = Map.of(unsigned, DeployRefusal.UNSIGNED, tampered, DeployRefusal.TAMPERED,
                stranger, DeployRefusal.UNTRUSTED_PUBLISHER, device, DeployRefusal.NOT_CODE_SIGNING,
                garbage, DeployRefusal.MALFORMED);
        for (Map.Entry<Path, DeployRefusal> e : expected.entrySet()) {
            DeployOutcome outcome = apply(e.getKey());
            assertOutcome(outcome, DeployStatus.REFUSED);
            assertEquals(e.getKey() + ": " + outcome.detail(), e.getValue(), outcome.refusal());
            assertNull(e.getKey() + " installed nothing", installed(name));
            assertEquals(before, context.getBundles().length);
        }
    }

    @Test
    public void aBundleThatDoesNotResolveIsRolledBackToExactlyThePreviousOne() throws Exception {
        String name = "it.deploy.resolve";
        assertOutcome(apply(sign("resolve-1", DeployItTools.bundle(jars(), name, "1.0.0"))), DeployStatus.APPLIED);
        long before = installed(name).getBundleId();
        Path broken = DeployItTools.bundle(jars(), name, "2.0.0", Map.of("Import-Package", "it.deploy.nowhere"),
                Map.of("x.txt", new byte[] {1}));
        Path companion = DeployItTools.bundle(jars(), "it.deploy.companion", "1.0.0");
        DeployOutcome outcome = apply(sign("resolve-2", broken, companion));
        assertOutcome(outcome, DeployStatus.ROLLED_BACK);
        assertEquals(RollbackCause.RESOLUTION, outcome.rollbackCause());
        assertTrue(outcome.detail(), outcome.detail().contains("it.deploy.nowhere"));
        assertEquals(new Version(1, 0, 0), installed(name).getVersion());
        assertEquals(before, installed(name).getBundleId());
        assertEquals(Bundle.ACTIVE, installed(name).getState());
        assertNull("the companion the set installed is gone again", installed("it.deploy.companion"));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
        assertEquals(List.of(), GatewayChecks.componentProblems(scr).stream()
                .filter(p -> !p.contains(" DS state 1")).collect(Collectors.toList()));
    }

    @Test
    public void aFailingActivatorOrComponentIsRolledBack() throws Exception {
        Path activator = DeployItTools.bundle(jars(), "it.deploy.activator", "1.0.0",
                Map.of("Bundle-Activator", "it.deploy.activator.Missing"), Map.of("x.txt", new byte[] {1}));
        DeployOutcome a = apply(sign("activator", activator));
        assertOutcome(a, DeployStatus.ROLLED_BACK);
        assertEquals(RollbackCause.ACTIVATION, a.rollbackCause());
        assertNull(installed("it.deploy.activator"));

        byte[] failingClass;
        try (InputStream in = getClass().getResourceAsStream("/dev/palisade/distro/deployit/FailingComponent.class")) {
            failingClass = in.readAllBytes();
        }
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"it.deploy.failing\""
                + " immediate=\"true\"><implementation class=\"dev.palisade.distro.deployit.FailingComponent\"/>"
                + "</scr:component>\n";
        Path component = DeployItTools.bundle(jars(), "it.deploy.component", "1.0.0",
                Map.of("Service-Component", "OSGI-INF/failing.xml"),
                Map.of("OSGI-INF/failing.xml", xml.getBytes(StandardCharsets.UTF_8),
                        "dev/palisade/distro/deployit/FailingComponent.class", failingClass));
        DeployOutcome c = apply(sign("component", component));
        assertOutcome(c, DeployStatus.ROLLED_BACK);
        assertEquals(c.detail(), RollbackCause.ACTIVATION, c.rollbackCause());
        assertTrue(c.detail(), c.detail().contains("it.deploy.failing"));
        assertNull(installed("it.deploy.component"));
        assertEquals(List.of(), GatewayChecks.bundleProblems(context));
    }

    @Test
    public void concurrentRequestsAreAppliedOneAtATimeInOrder() throws Exception {
        List<Path> sets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sets.add(sign("concurrent-" + i, DeployItTools.bundle(jars(), "it.deploy.concurrent" + i, "1.0.0")));
        }
        List<CompletableFuture<DeployOutcome>> outcomes = new ArrayList<>();
        for (Path set : sets) {
            outcomes.add(deployer.submit(set, DeployOptions.DEFAULT).toCompletableFuture());
        }
        List<DeployOutcome> done = new ArrayList<>();
        for (CompletableFuture<DeployOutcome> f : outcomes) {
            done.add(f.get(120, TimeUnit.SECONDS));
        }
        for (int i = 0; i < done.size(); i++) {
            assertOutcome(done.get(i), DeployStatus.APPLIED);
            if (i > 0) {
                assertFalse("update " + i + " started only after update " + (i - 1) + " finished: " + done,
                        done.get(i).startedAt().isBefore(done.get(i - 1).finishedAt()));
            }
        }
    }

    @Test
    public void aSetDroppedInTheWatchedDirectoryIsAppliedAndItsOutcomeWritten() throws Exception {
        Path set = sign("watched", DeployItTools.bundle(jars(), "it.deploy.watched", "1.0.0"));
        Path watch = Files.createDirectories(base().resolve("watch"));
        Files.copy(set, watch.resolve("incoming.tmp"));
        Files.move(watch.resolve("incoming.tmp"), watch.resolve("watched.zip"));
        Path outcome = watch.resolve("done/watched.zip.outcome");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(outcome) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue("outcome written to " + outcome, Files.exists(outcome));
        assertTrue(Files.readString(outcome), Files.readString(outcome).startsWith("APPLIED"));
        assertEquals(Bundle.ACTIVE, installed("it.deploy.watched").getState());
        assertFalse("the set left the watched directory", Files.exists(watch.resolve("watched.zip")));
    }

    private String waitForCommand(String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return GatewayChecks.execute(commands, line);
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
