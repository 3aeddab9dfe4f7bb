package dev.palisade.shell.internal.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.shell.internal.status.StatusReport.BundleProblem;
import dev.palisade.shell.internal.status.StatusReport.ComponentProblem;
import dev.palisade.shell.internal.status.StatusReport.Components;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusFormatterTest {

    private static final Instant STARTED = Instant.parse("2026-11-21T10:00:00.123Z");

    private static StatusReport report(List<BundleProblem> bundles, List<ComponentProblem> components,
            List<HealthReport> health) {
        Map<String, String> directories = new LinkedHashMap<>();
        directories.put("home", "/opt/palisade");
        directories.put("data", "/var/lib/palisade");
        return new StatusReport("1.2.3", STARTED, Duration.ofSeconds(3725), directories,
                Map.of("ACTIVE", 14, "INSTALLED", bundles.size()), 0, bundles,
                new Components(5, List.of("dev.palisade.bus.modbus.Device (pid dev.palisade.bus.modbus.device)"), components, true),
                health);
    }

    @Test
    void aHealthyGatewayIsUpOnTheFirstLine() {
        String text = StatusFormatter.format(report(List.of(), List.of(),
                List.of(HealthReport.of("admin", Health.UP, "listening"))));
        assertEquals("Palisade 1.2.3: UP", text.lines().findFirst().orElseThrow());
        assertTrue(text.contains("  uptime      1h 2m 5s (since 2026-11-21T10:00:00Z)\n"), text);
        assertTrue(text.contains("  data        /var/lib/palisade\n"), text);
        assertTrue(text.contains("  components  5 working, 0 not working, 1 waiting for configuration\n"), text);
        assertTrue(text.contains("    dev.palisade.bus.modbus.Device (pid dev.palisade.bus.modbus.device): no configuration yet\n"), text);
        assertTrue(text.contains("  health      1 of 1 up\n    admin        UP       listening\n"), text);
    }

    @Test
    void aBundleThatIsNotRunningMakesTheGatewayDownAndIsExplained() {
        String text = StatusFormatter.format(report(
                List.of(new BundleProblem(17, "dev.palisade.trust", "1.0.0", "INSTALLED",
                        List.of("missing osgi.wiring.package (osgi.wiring.package=org.bouncycastle.asn1)"))),
                List.of(), List.of()));
        assertEquals("Palisade 1.2.3: DOWN", text.lines().findFirst().orElseThrow());
        assertTrue(text.contains("; 1 not running\n    [17] dev.palisade.trust 1.0.0: INSTALLED\n"
                + "        missing osgi.wiring.package (osgi.wiring.package=org.bouncycastle.asn1)\n"), text);
    }

    @Test
    void anUnsatisfiedComponentIsListedWithWhatIsMissing() {
        String text = StatusFormatter.format(report(List.of(),
                List.of(new ComponentProblem("dev.palisade.upstream.mqtt", "HubLink", "unsatisfied reference",
                        List.of("missing service dev.palisade.api.identity.GatewayIdentity (reference 'identity')"))),
                List.of()));
        assertEquals("Palisade 1.2.3: DOWN", text.lines().findFirst().orElseThrow());
        assertTrue(text.contains("    HubLink (dev.palisade.upstream.mqtt): unsatisfied reference\n"
                + "        missing service dev.palisade.api.identity.GatewayIdentity (reference 'identity')\n"), text);
    }

    @Test
    void theWorstHealthIndicatorDecidesWhenEverythingRuns() {
        HealthReport expiring = new HealthReport("identity", Health.DEGRADED, "certificate expires in 6 days",
                Map.of("expires", "2026-11-27T00:00:00Z"), STARTED);
        String text = StatusFormatter.format(report(List.of(), List.of(),
                List.of(HealthReport.of("admin", Health.UP, "listening"), expiring)));
        assertEquals("Palisade 1.2.3: DEGRADED", text.lines().findFirst().orElseThrow());
        assertTrue(text.contains("    identity     DEGRADED certificate expires in 6 days\n        expires: 2026-11-27T00:00:00Z\n"), text);
    }

    @Test
    void aFrameworkStillStartingIsSaidSo() {
        String text = StatusFormatter.format(report(
                List.of(new BundleProblem(0, "org.apache.felix.framework", "7.0.5", "STARTING", List.of("still starting"))),
                List.of(), List.of()));
        assertEquals("Palisade 1.2.3: STARTING", text.lines().findFirst().orElseThrow());
    }

    @Test
    void withoutScrNothingCanWork() {
        StatusReport report = new StatusReport("1.2.3", STARTED, Duration.ZERO, Map.of(), Map.of("ACTIVE", 3), 0,
                List.of(), new Components(0, List.of(), List.of(), false), List.of());
        String text = StatusFormatter.format(report);
        assertEquals(Health.DOWN, report.overall());
        assertTrue(text.contains("no Service Component Runtime is running"), text);
    }

    @Test
    void durationsReadNaturally() {
        assertEquals("0.8s", StatusFormatter.duration(Duration.ofMillis(812)));
        assertEquals("2m 5s", StatusFormatter.duration(Duration.ofSeconds(125)));
        assertEquals("3d 4h 5m", StatusFormatter.duration(Duration.ofSeconds(3 * 86_400 + 4 * 3600 + 5 * 60 + 9)));
    }
}
