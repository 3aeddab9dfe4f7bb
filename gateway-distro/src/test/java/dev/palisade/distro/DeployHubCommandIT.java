package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.testkit.TestArchives;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A deploy request from the hub over the upstream link (docs/deploy.md, "From the hub"): the "hub"
 * is {@code mosquitto_pub} publishing the update set file to {@code palisade/v1/<G>/cmd/deploy}
 * with a Response Topic and Correlation Data, against a real Mosquitto with mutual TLS and the
 * gateway key on SoftHSM2 (UpstreamIT's fixture); it reads the progress reports and then the
 * outcome on the Response Topic.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployHubCommandIT {
    private static final String GATEWAY = "gw-deploy-cmd-it";
    private static final String RESPONSES = "hub/responses/" + GATEWAY;
    private static final String BASE = "palisade.deploy.hub.it.base";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    private UpstreamItFixture hub;
    private final List<Process> processes = new ArrayList<>();

    @Configuration
    public Option[] configuration() throws Exception {
        return DeployItTools.distribution("palisade-deploy-cmd-it", BASE, base -> "health.gate.timeout.seconds=30\nwatch.directory=\n");
    }

    @After
    public void stop() {
        processes.forEach(Process::destroyForcibly);
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    public void theHubSendsASetAndGetsTheOutcome() throws Exception {
        Path base = Path.of(System.getProperty(BASE));
        Path home = Path.of(context.getProperty("palisade.home"));
        hub = new UpstreamItFixture(context, commands, "deploy-cmd-it");
        int port = hub.startMosquitto();
        hub.provisionGateway(GATEWAY, "");
        Files.writeString(hub.etc.resolve("dev.palisade.upstream.mqtt.cfg"), "hub.uri = ssl://127.0.0.1:" + port
                + "\nhub.trust.anchors = " + hub.work.resolve("ca.pem") + "\ncommand.timeout.seconds = 90\n"
                + "backoff.min.ms = 200\nbackoff.max.ms = 2000\n");
        UpstreamItFixture.await("the link UP", 60,
                () -> hub.service(HubLink.class) != null && hub.service(HubLink.class).state() == LinkState.UP);
        Path answers = hub.work.resolve("answers.txt");
        processes.add(new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5",
                "-q", "1", "-i", "hub-answers", "--cafile", hub.work.resolve("ca.pem").toString(), "--cert",
                hub.work.resolve("observer.pem").toString(), "--key", hub.work.resolve("observer.key").toString(),
                "-t", RESPONSES, "-F", "%D|%P|%p").redirectErrorStream(true).redirectOutput(answers.toFile()).start());
        Thread.sleep(1_500);

        Path set = DeployItTools.sign(home, base.resolve("keys"), "acme-releases", base.resolve("from-hub.zip"),
                DeployItTools.bundle(base.resolve("jars"), "it.deploy.fromhub", "1.0.0"));
        send(port, "deploy-1", set);
        String applied = awaitAnswer(answers, "deploy-1");
        assertTrue(applied, applied.startsWith("deploy-1|palisade-status:ok|{\"v\":1,\"id\":\""));
        assertTrue(applied, applied.contains("\"status\":\"APPLIED\""));
        assertEquals(List.of("STAGED", "VERIFIED", "APPLYING", "HEALTH_GATE", "ANSWER"), exchange(answers, "deploy-1"));
        Bundle installed = null;
        for (Bundle b : context.getBundles()) {
            if ("it.deploy.fromhub".equals(b.getSymbolicName())) {
                installed = b;
            }
        }
        assertEquals(Bundle.ACTIVE, installed.getState());

        Path unsigned = TestArchives.doctor(set, base.resolve("unsigned.zip"), e -> e.remove("palisade-set.sig"));
        send(port, "deploy-2", unsigned);
        String refused = awaitAnswer(answers, "deploy-2");
        assertTrue(refused, refused.contains("\"status\":\"REFUSED\",\"refusal\":\"UNSIGNED\""));
        assertEquals("refused before anything was verified or applied", List.of("STAGED", "ANSWER"),
                exchange(answers, "deploy-2"));

        String history = GatewayChecks.execute(commands, "palisade:deploy history");
        assertTrue(history, history.contains("REFUSED UNSIGNED") && history.contains("APPLIED"));
    }

    private void send(int port, String correlation, Path set) throws Exception {
        Process publish = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv5",
                "-q", "1", "-i", "hub-" + correlation, "--cafile", hub.work.resolve("ca.pem").toString(), "--cert",
                hub.work.resolve("observer.pem").toString(), "--key", hub.work.resolve("observer.key").toString(),
                "-t", "palisade/v1/" + GATEWAY + "/cmd/deploy", "-D", "publish", "response-topic", RESPONSES,
                "-D", "publish", "correlation-data", correlation, "-f", set.toString()).redirectErrorStream(true).start();
        String output = new String(publish.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!publish.waitFor(20, TimeUnit.SECONDS) || publish.exitValue() != 0) {
            fail("mosquitto_pub of " + set + " failed: " + output);
        }
    }

    /** The answer (not a progress report: those are marked palisade-status:progress). */
    private static String awaitAnswer(Path answers, String correlation) throws InterruptedException {
        UpstreamItFixture.await("the answer correlated '" + correlation + "'", 90,
                () -> UpstreamItFixture.lines(answers).stream().anyMatch(l -> isAnswer(l, correlation)));
        return UpstreamItFixture.lines(answers).stream().filter(l -> isAnswer(l, correlation)).findFirst().get();
    }

    private static boolean isAnswer(String line, String correlation) {
        return line.startsWith(correlation + "|palisade-status:ok|") || line.startsWith(correlation + "|palisade-status:error|");
    }

    /**
     * What the hub saw for one request, in order: the stages of its progress reports, then ANSWER.
     * A gate longer than 10 s repeats HEALTH_GATE ("still waiting …"): repeats are one stage here.
     */
    private static List<String> exchange(Path answers, String correlation) {
        List<String> seen = new ArrayList<>();
        Pattern stage = Pattern.compile("\\{\"v\":1,\"id\":\"[^\"]+\",\"stage\":\"([A-Z_]+)\",\"detail\":\".*\"}");
        for (String line : UpstreamItFixture.lines(answers)) {
            if (isAnswer(line, correlation)) {
                seen.add("ANSWER");
            } else if (line.startsWith(correlation + "|palisade-status:progress|")) {
                Matcher m = stage.matcher(line.substring((correlation + "|palisade-status:progress|").length()));
                assertTrue("a progress report as documented in docs/deploy.md: " + line, m.matches());
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(m.group(1))) {
                    seen.add(m.group(1));
                }
            }
        }
        return seen;
    }
}
