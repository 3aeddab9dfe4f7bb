package dev.palisade.shell.internal.status;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the gateway as {@code palisade:status} shows it. Built by {@link StatusCollector},
 * printed by {@link StatusFormatter}; plain data so that both can be tested on their own.
 *
 * @param version the Palisade version
 * @param startedAt when the JVM started
 * @param uptime how long it has been running
 * @param directories named directories (home, data, etc, log) as the launcher set them
 * @param bundleCounts number of bundles per state name (ACTIVE, RESOLVED, ...)
 * @param fragments how many of the bundles are fragments (RESOLVED is their normal state)
 * @param bundleProblems bundles that should be ACTIVE and are not, with the reason
 * @param components counts and problems of the DS components
 * @param health every registered health indicator's report
 */
public record StatusReport(String version, Instant startedAt, Duration uptime,
        Map<String, String> directories, Map<String, Integer> bundleCounts, int fragments,
        List<BundleProblem> bundleProblems, Components components, List<HealthReport> health) {

    /**
     * A bundle that is not where it should be.
     *
     * @param id bundle id
     * @param symbolicName its symbolic name
     * @param version its version
     * @param state the state name
     * @param reasons why, one line each (missing requirements, activation failure)
     */
    public record BundleProblem(long id, String symbolicName, String version, String state,
            List<String> reasons) {
    }

    /**
     * The DS side of the status.
     *
     * @param working component configurations that are ACTIVE or SATISFIED
     * @param waitingForConfiguration components that require a configuration nobody created;
     *        normal for per-device factories, so not a problem
     * @param problems component configurations that should work and do not
     * @param scrPresent whether a Service Component Runtime is running at all
     */
    public record Components(int working, List<String> waitingForConfiguration,
            List<ComponentProblem> problems, boolean scrPresent) {
    }

    /**
     * A component that is unsatisfied, failed to activate, or disabled.
     *
     * @param bundle the symbolic name of the bundle that declares it
     * @param name the component name
     * @param state the DS state in words
     * @param reasons what SCR says is missing or failed
     */
    public record ComponentProblem(String bundle, String name, String state, List<String> reasons) {
    }

    /**
     * @return whether the framework is still starting its bundles (bundle 0 is STARTING)
     */
    public boolean starting() {
        return bundleProblems.stream().anyMatch(p -> p.id() == 0 && "STARTING".equals(p.state()));
    }

    /**
     * The gateway's overall state: {@link Health#UNKNOWN} while the framework starts;
     * {@link Health#DOWN} when a bundle or component that should
     * work does not, else the worst of the health indicators.
     *
     * @return the overall state
     */
    public Health overall() {
        if (starting()) {
            return Health.UNKNOWN;
        }
        Health worst = Health.UP;
        if (!bundleProblems.isEmpty() || !components.problems().isEmpty() || !components.scrPresent()) {
            worst = Health.DOWN;
        }
        for (HealthReport report : health) {
            worst = Health.worst(worst, report.health());
        }
        return worst;
    }
}
