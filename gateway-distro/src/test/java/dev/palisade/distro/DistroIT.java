package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * Boots exactly the bundle set, framework properties and etc/ of the assembled distribution,
 * and checks what an operator would check first: everything is running, nothing logged an
 * error, and the gateway answers at its shell and through its admin channel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DistroIT {

    @Inject
    private BundleContext context;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-distro-it")));
    }

    @Test
    public void everyShippedBundleIsActive() {
        assertEquals("bundles not running", List.of(), GatewayChecks.bundleProblems(context));
        long palisadeBundles = java.util.Arrays.stream(context.getBundles())
                .filter(b -> b.getSymbolicName().startsWith("dev.palisade.")).count();
        assertTrue("the Palisade bundles are installed", palisadeBundles >= 2);
    }

    @Test
    public void everyComponentIsSatisfied() {
        assertEquals("components not working", List.of(), GatewayChecks.componentProblems(scr));
        assertTrue("SCR knows the Palisade components", scr.getComponentDescriptionDTOs().stream()
                .anyMatch(d -> d.name.startsWith("dev.palisade.shell")));
    }

    @Test
    public void theLogFileHasNoErrors() throws IOException {
        Path log = data().resolve("log/palisade.log");
        assertTrue("the gateway writes its log file " + log, Files.isRegularFile(log));
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertTrue("the log records the admin channel's start", lines.stream().anyMatch(l -> l.contains("Admin channel listening")));
        List<String> errors = lines.stream().filter(l -> l.matches("\\S+ ERROR .*")).collect(Collectors.toList());
        assertEquals("ERROR lines in " + log, List.of(), errors);
    }

    @Test
    public void statusCommandReportsTheGatewayUp() throws Exception {
        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.startsWith("Palisade " + context.getProperty("palisade.version") + ": UP"));
        int active = (int) java.util.Arrays.stream(context.getBundles()).filter(b -> b.getState() == Bundle.ACTIVE).count();
        assertTrue(status, status.contains("bundles     " + active + " active"));
        assertTrue(status, status.contains("admin        UP       listening on " + socket()));
    }

    @Test
    public void adminChannelRunsStatusForTheGatewayUser() throws IOException {
        AdminChannelClient.Answer answer = AdminChannelClient.send(socket(), List.of("status"));
        assertEquals(answer.err(), 0, answer.exitCode());
        assertTrue(answer.out(), answer.out().contains(": UP"));
        assertEquals("", answer.err());
    }

    @Test
    public void adminChannelSocketIsPrivate() throws IOException {
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket().getParent())));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket())));
    }

    @Test
    public void adminChannelRunsOnlyPalisadeCommandsWithLiteralArguments() throws Exception {
        AdminChannelClient.Answer unknown = AdminChannelClient.send(socket(), List.of("nosuch"));
        assertEquals(2, unknown.exitCode());
        // The list grows with every bundle that adds commands; check the form and a few members.
        assertTrue(unknown.err(), unknown.err().contains("unknown command 'nosuch'; the gateway offers: "));
        for (String command : List.of("identity", "status", "trust", "verify", "devices", "modbus", "spool", "upstream")) {
            assertTrue(unknown.err(), unknown.err().matches("(?s).*offers: (.*, )?" + command + "([,\\s].*)?"));
        }

        // Gogo's own commands exist in the framework but are not Palisade commands.
        AdminChannelClient.Answer gogo = AdminChannelClient.send(socket(), List.of("lb"));
        assertEquals(2, gogo.exitCode());

        AdminChannelClient.Answer smuggled = AdminChannelClient.send(socket(), List.of("status;stop 0"));
        assertEquals(2, smuggled.exitCode());
        assertTrue(smuggled.err(), smuggled.err().contains("is not a command name"));

        // An argument is passed literally: ';' and '$' reach the command as text, so status refuses it.
        AdminChannelClient.Answer argument = AdminChannelClient.send(socket(), List.of("status", "x; stop 0 $y"));
        assertEquals(1, argument.exitCode());
        AdminChannelClient.Answer quote = AdminChannelClient.send(socket(), List.of("status", "a' ; stop 0 ; '"));
        assertEquals(2, quote.exitCode());
        assertTrue(quote.err(), quote.err().contains("contains a quote"));

        assertEquals("the framework survived every attempt", Bundle.ACTIVE, context.getBundle(0).getState());
    }

    @Test
    public void identityCommandSaysWhatToConfigureWhenNoKeystoreIs() throws IOException {
        // The distribution ships no keystore configuration: the PKCS#11 component waits for one.
        AdminChannelClient.Answer show = AdminChannelClient.send(socket(), List.of("identity", "show"));
        assertEquals(show.err(), 1, show.exitCode());
        assertTrue(show.err(), show.err().contains("no keystore is configured: create etc/dev.palisade.identity.pkcs11.cfg"));
        assertTrue("Bouncy Castle resolves and starts", java.util.Arrays.stream(context.getBundles())
                .anyMatch(b -> b.getSymbolicName().equals("bcpkix") && b.getState() == Bundle.ACTIVE));
        assertTrue("Bouncy Castle's JSSE ships, resolves and starts", java.util.Arrays.stream(context.getBundles())
                .anyMatch(b -> b.getSymbolicName().equals("bctls") && b.getState() == Bundle.ACTIVE));
    }

    @Test
    public void adminChannelRefusesMalformedRequests() throws IOException {
        AdminChannelClient.Answer noMagic = AdminChannelClient.sendRaw(socket(), "GET / HTTP/1.0\n\n");
        assertEquals(77, noMagic.exitCode());
        assertTrue(noMagic.err(), noMagic.err().contains("not an admin request"));

        AdminChannelClient.Answer truncated = AdminChannelClient.sendRaw(socket(), "PALISADE-ADMIN/1\n2\nstatus\n");
        assertEquals(77, truncated.exitCode());
        assertTrue(truncated.err(), truncated.err().contains("truncated"));

        AdminChannelClient.Answer huge = AdminChannelClient.sendRaw(socket(), "PALISADE-ADMIN/1\n1000000\n");
        assertEquals(77, huge.exitCode());

        AdminChannelClient.Answer oversized = AdminChannelClient.sendRaw(socket(),
                "PALISADE-ADMIN/1\n1\n" + "a".repeat(70_000) + "\n");
        assertEquals(77, oversized.exitCode());
        assertTrue(oversized.err(), oversized.err().contains("larger than the limit"));

        // Still serving afterwards.
        assertEquals(0, AdminChannelClient.send(socket(), List.of("status")).exitCode());
    }

    /** The data directory the configuration chose, as the framework sees it. */
    private Path data() {
        return Path.of(context.getProperty("palisade.data"));
    }

    @Test
    public void aConfigurationFileInEtcReconfiguresTheComponentAtRunTime() throws Exception {
        Path etc = Path.of(context.getProperty("palisade.etc"));
        Files.writeString(etc.resolve("dev.palisade.shell.admin.cfg"),
                "# written by DistroIT\nmax.concurrent.requests = 3\nrequest.timeout.seconds = 7\n");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        Object applied = null;
        while (System.nanoTime() < deadline) {
            applied = scr.getComponentDescriptionDTOs().stream()
                    .filter(d -> d.name.equals("dev.palisade.shell.internal.admin.AdminChannel"))
                    .flatMap(d -> scr.getComponentConfigurationDTOs(d).stream())
                    .filter(c -> c.state == org.osgi.service.component.runtime.dto.ComponentConfigurationDTO.ACTIVE)
                    .map(c -> c.properties.get("request.timeout.seconds"))
                    .findFirst().orElse(null);
            if ("7".equals(String.valueOf(applied))) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("FileInstall -> ConfigAdmin -> the component's typed configuration", "7", String.valueOf(applied));
        // The reconfigured channel serves again.
        long serveDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        AdminChannelClient.Answer answer = null;
        while (answer == null && System.nanoTime() < serveDeadline) {
            try {
                answer = AdminChannelClient.send(socket(), List.of("status"));
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        assertEquals(0, answer.exitCode());
    }

    private Path socket() {
        return data().resolve("run/admin.sock");
    }
}
