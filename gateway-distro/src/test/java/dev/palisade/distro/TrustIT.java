package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * A trust domain configured the way an operator does it: a factory configuration and PEM files
 * written into the gateway's etc/ at run time, then chains checked through the real
 * {@link TrustService} and through {@code palisade:verify} on the admin channel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TrustIT {

    @Inject
    private BundleContext context;

    @Inject
    private TrustService trust;

    @Inject
    private CommandProcessor commands;

    @Configuration
    public Option[] configuration() {
        return options(DistroOptions.distribution(TestDirectories.shortTempDirectory("palisade-trust-it")));
    }

    @Test
    public void aDomainWrittenIntoEtcAcceptsAGoodChainAndRejectsABadOneWithItsReason() throws Exception {
        Path etc = Path.of(context.getProperty("palisade.etc"));
        Path data = Path.of(context.getProperty("palisade.data"));
        TrustItPki.Issued root = TrustItPki.ca("Plant A Root", null);
        TrustItPki.Issued issuing = TrustItPki.ca("Plant A Issuing CA", root);
        TrustItPki.Issued device = TrustItPki.device("device-17", issuing);
        TrustItPki.Issued stranger = TrustItPki.device("device-99", TrustItPki.ca("Elsewhere Root", null));
        List<byte[]> good = List.of(device.der);

        // Before any configuration, the service exists and knows no domain.
        assertEquals(RejectReason.UNKNOWN_DOMAIN, trust.verify(new TrustRequest("plant-a", good, Purpose.CLIENT, null, null)).reason());

        Files.createDirectories(etc.resolve("trust"));
        Files.writeString(etc.resolve("trust/plant-a-anchors.pem"), TrustItPki.pem(root));
        Files.writeString(etc.resolve("trust/plant-a-intermediates.pem"), TrustItPki.pem(issuing));
        Files.writeString(etc.resolve("dev.palisade.trust.domain-plant-a.cfg"), "# written by TrustIT\n"
                + "name = plant-a\n"
                + "anchors = trust/plant-a-anchors.pem\n"
                + "intermediates = trust/plant-a-intermediates.pem\n"
                + "eku.client = clientAuth\n"
                + "max.depth = 3\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (trust.domain("plant-a").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue("FileInstall -> ConfigAdmin -> the domain component", trust.domain("plant-a").isPresent());
        assertEquals(1, trust.domain("plant-a").get().anchors().size());
        assertEquals(1, trust.domain("plant-a").get().intermediates());

        Verdict accepted = trust.verify(new TrustRequest("plant-a", good, Purpose.CLIENT, null, null));
        assertTrue(accepted.message(), accepted.accepted());
        assertEquals("device-17", accepted.deviceIdentity());
        Verdict rejected = trust.verify(new TrustRequest("plant-a", List.of(stranger.der), Purpose.CLIENT, null, null));
        assertEquals(rejected.message(), RejectReason.NO_PATH, rejected.reason());

        Path goodFile = Files.writeString(data.resolve("good-chain.pem"), TrustItPki.pem(device, issuing));
        Path badFile = Files.writeString(data.resolve("bad-chain.pem"), TrustItPki.pem(stranger));
        Path socket = data.resolve("run/admin.sock");
        AdminChannelClient.Answer yes = AdminChannelClient.send(socket, List.of("verify", "plant-a", goodFile.toString()));
        assertEquals(yes.err(), 0, yes.exitCode());
        assertTrue(yes.out(), yes.out().startsWith("accepted: trusted in domain plant-a as 'device-17'"));
        AdminChannelClient.Answer no = AdminChannelClient.send(socket, List.of("verify", "plant-a", badFile.toString()));
        assertEquals(no.out(), 1, no.exitCode());
        assertTrue(no.err(), no.err().startsWith("rejected (NO_PATH): certificate 0 (") && no.err().contains("device-99"));

        AdminChannelClient.Answer list = AdminChannelClient.send(socket, List.of("trust"));
        assertEquals(list.err(), 0, list.exitCode());
        assertTrue(list.out(), list.out().startsWith("trust UP: 1 trust domain(s)"));
        assertTrue(list.out(), list.out().contains("domain plant-a: UP, 1 anchor(s)"));

        String status = GatewayChecks.execute(commands, "palisade:status");
        assertTrue(status, status.contains(": UP"));
    }
}
