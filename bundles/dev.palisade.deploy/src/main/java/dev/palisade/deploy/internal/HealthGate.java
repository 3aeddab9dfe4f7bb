package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Decides whether the gateway is as healthy after an apply as before it. Passes when, all at once:
 * <ul>
 * <li>every enabled DS component of the changed bundles is satisfied or active — except one that
 * waits for its configuration (not configured is not broken), and one that was already
 * unsatisfied before the apply;</li>
 * <li>every health indicator that served (UP or DEGRADED) before serves again, and every new one
 * serves;</li>
 * <li>the upstream link is UP, if it was UP before.</li>
 * </ul>
 * A component of a changed bundle whose activation failed fails the gate at once
 * ({@link RollbackCause#ACTIVATION}); anything else is waited for until the timeout
 * ({@link RollbackCause#HEALTH_GATE}).
 */
final class HealthGate {
    /** How often the gate looks again while it waits. */
    private static final long POLL_MS = 50;
    /**
     * How often a waiting gate says so: well under the link's default command timeout (30 s), which
     * each progress report restarts (docs/deploy.md).
     */
    static final Duration STILL_WAITING_EVERY = Duration.ofSeconds(10);

    private final Supplier<ServiceComponentRuntime> scr;
    private final Supplier<List<HealthIndicator>> indicators;
    private final Supplier<HubLink> link;

    HealthGate(Supplier<ServiceComponentRuntime> scr, Supplier<List<HealthIndicator>> indicators,
            Supplier<HubLink> link) {
        this.scr = scr;
        this.indicators = indicators;
        this.link = link;
    }

    /** The state the gate compares with, taken before anything changes. */
    record Before(Map<String, Boolean> components, Map<String, Boolean> indicators, boolean linkUp) {
    }

    /** Why the gate failed. */
    record Failure(RollbackCause cause, String detail) {
    }

    Before snapshot(Collection<Bundle> bundles) {
        Map<String, Boolean> components = new HashMap<>();
        for (Bundle b : bundles) {
            for (Component c : components(b)) {
                components.put(c.key, c.problem == null);
            }
        }
        Map<String, Boolean> serving = new HashMap<>();
        for (HealthIndicator indicator : indicators.get()) {
            HealthReport report = report(indicator);
            serving.merge(report.component(), report.health().isServing(), Boolean::logicalAnd);
        }
        HubLink l = link.get();
        return new Before(components, serving, l != null && l.state() == LinkState.UP);
    }

    /**
     * Waits for the gate.
     *
     * @param bundles the changed bundles as they are now installed
     * @return empty if it passed, else why not
     */
    Optional<Failure> await(Collection<Bundle> bundles, Before before, Duration timeout) throws InterruptedException {
        return await(bundles, before, timeout, STILL_WAITING_EVERY, problems -> { });
    }

    /**
     * Waits for the gate, telling {@code stillWaiting} what it still waits for every
     * {@code reportEvery} (so that whoever asked, e.g. the hub over the link, hears from the update
     * during a long gate instead of timing it out).
     */
    Optional<Failure> await(Collection<Bundle> bundles, Before before, Duration timeout, Duration reportEvery,
            Consumer<String> stillWaiting) throws InterruptedException {
        return await(bundles, before, timeout, reportEvery, stillWaiting, List::of);
    }

    /**
     * Waits for the gate and for {@code alsoWaitFor} to name nothing more (what it names is
     * reported and fails the gate at the timeout like any other problem).
     */
    Optional<Failure> await(Collection<Bundle> bundles, Before before, Duration timeout, Duration reportEvery,
            Consumer<String> stillWaiting, Supplier<List<String>> alsoWaitFor) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + reportEvery.toNanos();
        List<String> problems;
        while (true) {
            problems = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            for (Bundle b : bundles) {
                for (Component c : components(b)) {
                    if (c.failedActivation) {
                        failed.add(c.problem);
                    } else if (c.problem != null && before.components().getOrDefault(c.key, true)) {
                        problems.add(c.problem);
                    }
                }
            }
            if (!failed.isEmpty()) {
                return Optional.of(new Failure(RollbackCause.ACTIVATION, String.join("; ", failed)));
            }
            for (HealthIndicator indicator : indicators.get()) {
                HealthReport report = report(indicator);
                if (!report.health().isServing() && before.indicators().getOrDefault(report.component(), true)) {
                    problems.add("health " + report.component() + " is " + report.health() + ": " + report.summary());
                }
            }
            problems.addAll(alsoWaitFor.get());
            HubLink l = link.get();
            if (before.linkUp() && (l == null || l.state() != LinkState.UP)) {
                problems.add("the upstream link was UP and is " + (l == null ? "not registered" : l.state()));
            }
            if (problems.isEmpty()) {
                return Optional.empty();
            }
            if (System.nanoTime() >= deadline) {
                return Optional.of(new Failure(RollbackCause.HEALTH_GATE, "not healthy within "
                        + timeout.toSeconds() + " s: " + String.join("; ", problems)));
            }
            if (System.nanoTime() >= nextReport) {
                nextReport = System.nanoTime() + reportEvery.toNanos();
                stillWaiting.accept("still waiting, " + Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000L)
                        + " s left: " + String.join("; ", problems));
            }
            Thread.sleep(POLL_MS);
        }
    }

    private record Component(String key, String problem, boolean failedActivation) {
    }

    private List<Component> components(Bundle bundle) {
        ServiceComponentRuntime runtime = scr.get();
        List<Component> result = new ArrayList<>();
        if (runtime == null || bundle.getState() == Bundle.UNINSTALLED) {
            return result;
        }
        for (ComponentDescriptionDTO description : runtime.getComponentDescriptionDTOs(bundle)) {
            if (!runtime.isComponentEnabled(description)) {
                continue;
            }
            String key = bundle.getSymbolicName() + "/" + description.name;
            String problem = null;
            boolean failed = false;
            for (ComponentConfigurationDTO configuration : runtime.getComponentConfigurationDTOs(description)) {
                switch (configuration.state) {
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> {
                        failed = true;
                        problem = "component " + key + " failed to activate: " + configuration.failure;
                    }
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> {
                        if (!failed) {
                            List<String> refs = new ArrayList<>();
                            for (var ref : configuration.unsatisfiedReferences) {
                                refs.add(ref.name);
                            }
                            problem = "component " + key + " waits for " + String.join(", ", refs);
                        }
                    }
                    default -> {
                        // ACTIVE, SATISFIED, or waiting for configuration: not broken.
                    }
                }
            }
            result.add(new Component(key, problem, failed));
        }
        return result;
    }

    private static HealthReport report(HealthIndicator indicator) {
        try {
            return indicator.health();
        } catch (RuntimeException e) {
            return HealthReport.of(indicator.getClass().getName(), dev.palisade.api.health.Health.DOWN,
                    "its health check failed: " + e);
        }
    }
}
