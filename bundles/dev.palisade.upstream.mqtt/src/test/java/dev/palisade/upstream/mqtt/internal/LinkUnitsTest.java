package dev.palisade.upstream.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain-object tests of the link's small parts: backoff, host-name rule, topics, configuration checks. */
class LinkUnitsTest {

    @Test
    void backoffGrowsExponentiallyWithJitterUpToTheCapAndResets() {
        Backoff lowest = new Backoff(100, 1_000, n -> 0);
        assertEquals(50, lowest.nextDelayMillis());   // [b/2, b] with b = 100
        assertEquals(100, lowest.nextDelayMillis());  // b = 200
        assertEquals(200, lowest.nextDelayMillis());  // b = 400
        assertEquals(400, lowest.nextDelayMillis());  // b = 800
        assertEquals(500, lowest.nextDelayMillis());  // capped: b = 1000
        for (int i = 0; i < 100; i++) {
            assertEquals(500, lowest.nextDelayMillis(), "no overflow after many failures");
        }
        lowest.reset();
        assertEquals(50, lowest.nextDelayMillis());
        Backoff highest = new Backoff(100, 1_000, n -> n - 1);
        assertEquals(100, highest.nextDelayMillis());
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, n -> 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5, n -> 0));
    }

    @Test
    void hostNameRuleFollowsRfc6125() {
        assertTrue(HostnameCheckingTrustManager.dnsMatches("hub.example", "HUB.example."));
        assertTrue(HostnameCheckingTrustManager.dnsMatches("*.plant.example", "hub.plant.example"));
        assertFalse(HostnameCheckingTrustManager.dnsMatches("*.plant.example", "a.hub.plant.example"), "one label only");
        assertFalse(HostnameCheckingTrustManager.dnsMatches("*.plant.example", "plant.example"));
        assertFalse(HostnameCheckingTrustManager.dnsMatches("*.example", "hub.example"), "no wildcard over a bare suffix");
        assertFalse(HostnameCheckingTrustManager.dnsMatches("h*.plant.example", "hub.plant.example"), "partial wildcards refused");
    }

    @Test
    void leafMustNameTheHostInItsSubjectAltName() throws Exception {
        TestPki pki = new TestPki("unit-ca");
        KeyPair keys = TestPki.ecKeys();
        X509Certificate ip = pki.server(keys.getPublic(), "127.0.0.1", List.of("ip:127.0.0.1"));
        X509Certificate dns = pki.server(keys.getPublic(), "hub", List.of("dns:hub.plant.example"));
        X509Certificate cnOnly = pki.server(keys.getPublic(), "hub.plant.example", List.of());
        new HostnameCheckingTrustManager(null, "127.0.0.1", "x").checkHost(ip);
        new HostnameCheckingTrustManager(null, "hub.plant.example", "x").checkHost(dns);
        Exception wrongIp = assertThrows(Exception.class, () -> new HostnameCheckingTrustManager(null, "127.0.0.2", "x").checkHost(ip));
        assertTrue(wrongIp.getMessage().contains("does not name the host '127.0.0.2'"), wrongIp.getMessage());
        assertThrows(Exception.class, () -> new HostnameCheckingTrustManager(null, "127.0.0.1", "x").checkHost(dns));
        Exception cn = assertThrows(Exception.class,
                () -> new HostnameCheckingTrustManager(null, "hub.plant.example", "x").checkHost(cnOnly));
        assertTrue(cn.getMessage().contains("its names: none"), "the CN is not a host name: " + cn.getMessage());
    }

    @Test
    void topicsParseCommandsForTheGatewayAndItsChildren() {
        Topics topics = new Topics("gw-1");
        assertEquals(new Topics.Command(null, "reboot"), topics.command("palisade/v1/gw-1/cmd/reboot"));
        assertEquals(new Topics.Command("meter-7", "write"), topics.command("palisade/v1/gw-1/d/meter-7/cmd/write"));
        assertEquals(new Topics.Command(null, "a/b"), topics.command("palisade/v1/gw-1/cmd/a/b"), "bad names reach the router, which answers them");
        assertNull(topics.command("palisade/v1/gw-2/cmd/reboot"));
        assertNull(topics.command("palisade/v1/gw-1/d/meter-7/telemetry"));
        assertThrows(IllegalArgumentException.class, () -> new Topics("gw/1"));
        assertThrows(IllegalArgumentException.class, () -> Topics.checkSuffix("enroll/#"));
        assertThrows(IllegalArgumentException.class, () -> Topics.checkSuffix("/enroll"));
        Topics.checkSuffix("enroll/request");
    }

    @Test
    void badConfigurationIsNamedByItsKey() {
        assertEquals("hub.uri is not configured (set it to ssl://host:port in etc/dev.palisade.upstream.mqtt.cfg)",
                message(Map.of()));
        assertTrue(message(Map.of("hub.uri", "tcp://hub:1883", "hub.trust.anchors", "a.pem")).contains("must be ssl://host:port"));
        assertTrue(message(Map.of("hub.uri", "ssl://hub:8883")).contains("neither hub.trust.domain nor hub.trust.anchors"));
        assertTrue(message(Map.of("hub.uri", "ssl://hub:8883", "hub.trust.anchors", "a.pem", "hub.trust.domain", "hub"))
                .contains("set exactly one"));
        assertTrue(message(Map.of("hub.uri", "ssl://hub:8883", "hub.trust.domain", "hub", "jsse.provider", "Conscrypt"))
                .contains("jsse.provider 'Conscrypt'"));
        assertTrue(message(Map.of("hub.uri", "ssl://hub:8883", "hub.trust.domain", "hub", "inflight.window", 0))
                .contains("inflight.window must be positive"));
        LinkSettings ok = LinkSettings.from(Configs.link(Map.of("hub.uri", "ssl://hub:8883", "hub.trust.domain", "hub")));
        assertEquals("BCJSSE", ok.jsseProvider());
    }

    @Test
    void aMisconfiguredLinkIsDownAndSaysWhy() throws Exception {
        MqttLinkComponent link = new MqttLinkComponent(Configs.link(new HashMap<>(Map.of("hub.uri", "ssl://hub:8883"))));
        try {
            assertEquals(dev.palisade.api.health.Health.DOWN, link.health().health());
            assertTrue(link.health().summary().contains("neither hub.trust.domain nor hub.trust.anchors"));
            assertTrue(UpstreamCommand.render(link, java.time.Instant.now()).contains("neither hub.trust.domain"));
        } finally {
            link.deactivate();
        }
        assertTrue(UpstreamCommand.render(null, java.time.Instant.now()).contains("no hub link is configured"));
    }

    @Test
    void aChildsMessagesLeaveTheSpoolOnlyOnceItIsEnrolled() throws Exception {
        MqttLinkComponent link = new MqttLinkComponent(Configs.link(new HashMap<>(Map.of("hub.uri", "ssl://hub:8883"))));
        try {
            assertTrue(link.mayDrain("meter-1"), "without enrollment configured the hub decides");
            Map<String, dev.palisade.api.enroll.EnrollmentStatus> states = new HashMap<>(Map.of(
                    "meter-1", dev.palisade.api.enroll.EnrollmentStatus.ENROLLED,
                    "meter-2", dev.palisade.api.enroll.EnrollmentStatus.PENDING));
            dev.palisade.api.enroll.Enrollment enrollment = new dev.palisade.api.enroll.Enrollment() {
                @Override
                public List<dev.palisade.api.enroll.ChildState> children() {
                    return List.of();
                }

                @Override
                public java.util.Optional<dev.palisade.api.enroll.ChildState> child(String id) {
                    return java.util.Optional.ofNullable(states.get(id)).map(s -> new dev.palisade.api.enroll.ChildState(id, s,
                            dev.palisade.api.enroll.ProofMode.RELAY, null, "", java.time.Instant.now()));
                }

                @Override
                public java.util.concurrent.CompletionStage<dev.palisade.api.enroll.ChildState> enroll(String id) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public java.util.concurrent.CompletionStage<dev.palisade.api.enroll.ChildState> unenroll(String id) {
                    throw new UnsupportedOperationException();
                }
            };
            link.bindEnrollment(enrollment);
            assertTrue(link.mayDrain("meter-1"), "enrolled");
            assertFalse(link.mayDrain("meter-2"), "pending: held");
            assertFalse(link.mayDrain("meter-3"), "unknown to enrollment: held");
            assertTrue(link.mayDrain(""), "the gateway's own messages always go");
            link.unbindEnrollment(enrollment);
            assertFalse(link.mayDrain("meter-1"), "held while the enrollment bundle is away (restart or update)");
            assertTrue(link.mayDrain(""));
        } finally {
            link.deactivate();
        }
    }

    private static String message(Map<String, Object> config) {
        return assertThrows(IllegalArgumentException.class, () -> LinkSettings.from(Configs.link(config))).getMessage();
    }
}
