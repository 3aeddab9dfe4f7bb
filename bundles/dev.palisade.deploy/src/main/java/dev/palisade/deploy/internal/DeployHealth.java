package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.Deployer;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code deploy} line of {@code palisade:status}: which set is in effect and how the last
 * update ended. DEGRADED when the last update was rolled back, so that a field engineer looking
 * at the status sees that an update did not take (the gateway itself runs the previous bundles).
 *
 * <p>Registered by {@link DeployerComponent} itself rather than as a component referencing the
 * deployer: the deployer's health gate references every HealthIndicator, and a component
 * indicator needing the deployer would make the two components wait for each other.
 */
final class DeployHealth implements HealthIndicator {
    private final Deployer deployer;

    DeployHealth(Deployer deployer) {
        this.deployer = deployer;
    }

    @Override
    public HealthReport health() {
        String current = deployer.current().map(s -> "set " + s.sha256().substring(0, 12) + "… in effect ("
                + s.bundles().size() + " bundle(s), signed by " + s.publisher().getName() + ")")
                .orElse("factory bundles, no update set in effect");
        List<DeployOutcome> history = deployer.history();
        Map<String, String> details = new LinkedHashMap<>();
        Health health = Health.UP;
        if (!history.isEmpty()) {
            DeployOutcome last = history.get(0);
            details.put("last update", OutcomeText.line(last));
            if (last.status() == DeployStatus.ROLLED_BACK) {
                health = Health.DEGRADED;
                current += "; the last update was rolled back (" + last.rollbackCause() + ")";
            }
        }
        return new HealthReport("deploy", health, current, details, Instant.now());
    }
}
