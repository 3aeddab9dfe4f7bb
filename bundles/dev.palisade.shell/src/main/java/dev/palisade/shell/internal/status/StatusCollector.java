package dev.palisade.shell.internal.status;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.shell.internal.status.StatusReport.BundleProblem;
import dev.palisade.shell.internal.status.StatusReport.ComponentProblem;
import dev.palisade.shell.internal.status.StatusReport.Components;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Gathers a {@link StatusReport} from the running framework: bundle states with the reason a
 * bundle is not active, SCR's view of every component, and every health indicator.
 *
 * <p>Reads only; safe to call from any thread.
 */
public final class StatusCollector {

    /** Framework properties the launcher sets; shown as the gateway's directories. */
    private static final List<String> DIRECTORY_PROPERTIES =
            List.of("palisade.home", "palisade.data", "palisade.etc", "palisade.log");

    private final BundleContext context;
    private final UnresolvedDiagnosis diagnosis;

    /**
     * @param context the shell bundle's context, used to look at every bundle
     */
    public StatusCollector(BundleContext context) {
        this.context = context;
        this.diagnosis = new UnresolvedDiagnosis(context);
    }

    /**
     * @param scr the Service Component Runtime, or {@code null} when none is running
     * @param indicators the registered health indicators
     * @return the status as of now
     */
    public StatusReport collect(ServiceComponentRuntime scr, Collection<HealthIndicator> indicators) {
        long uptimeMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        Instant started = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        Map<String, String> directories = new LinkedHashMap<>();
        for (String property : DIRECTORY_PROPERTIES) {
            String value = context.getProperty(property);
            if (value != null) {
                directories.put(property.substring("palisade.".length()), value);
            }
        }
        Map<String, Integer> counts = new TreeMap<>();
        int fragments = 0;
        List<BundleProblem> problems = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            counts.merge(stateName(bundle.getState()), 1, Integer::sum);
            if (isFragment(bundle)) {
                fragments++;
                if (bundle.getState() == Bundle.INSTALLED) {
                    problems.add(problem(bundle, diagnosis.explain(bundle)));
                }
            } else if (!isRunning(bundle)) {
                problems.add(problem(bundle, diagnosis.explain(bundle)));
            }
        }
        return new StatusReport(version(), started, Duration.ofMillis(uptimeMillis), directories,
                counts, fragments, problems, components(scr), health(indicators));
    }

    private String version() {
        String launcherVersion = context.getProperty("palisade.version");
        return launcherVersion != null ? launcherVersion : context.getBundle().getVersion().toString();
    }

    private static BundleProblem problem(Bundle bundle, List<String> reasons) {
        return new BundleProblem(bundle.getBundleId(), String.valueOf(bundle.getSymbolicName()),
                bundle.getVersion().toString(), stateName(bundle.getState()), reasons);
    }

    private static boolean isRunning(Bundle bundle) {
        if (bundle.getState() == Bundle.ACTIVE) {
            return true;
        }
        // A lazily activated bundle waits in STARTING until its first class load: that is its normal state.
        String policy = bundle.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return bundle.getState() == Bundle.STARTING && policy != null
                && policy.startsWith(Constants.ACTIVATION_LAZY);
    }

    static boolean isFragment(Bundle bundle) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    static String stateName(int state) {
        switch (state) {
            case Bundle.UNINSTALLED: return "UNINSTALLED";
            case Bundle.INSTALLED: return "INSTALLED";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return "UNKNOWN(" + state + ")";
        }
    }

    private static Components components(ServiceComponentRuntime scr) {
        if (scr == null) {
            return new Components(0, List.of(), List.of(), false);
        }
        int working = 0;
        List<String> waiting = new ArrayList<>();
        List<ComponentProblem> problems = new ArrayList<>();
        List<ComponentDescriptionDTO> descriptions = new ArrayList<>(scr.getComponentDescriptionDTOs());
        descriptions.sort(Comparator.comparing((ComponentDescriptionDTO d) -> d.bundle.symbolicName)
                .thenComparing(d -> d.name));
        for (ComponentDescriptionDTO description : descriptions) {
            String bundle = description.bundle.symbolicName;
            if (!scr.isComponentEnabled(description)) {
                problems.add(new ComponentProblem(bundle, description.name, "disabled",
                        List.of("the component is disabled (enable it, or remove it from the bundle)")));
                continue;
            }
            Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(description);
            if (configurations.isEmpty()) {
                if ("require".equals(description.configurationPolicy)) {
                    waiting.add(description.name + " (pid " + String.join(", ", description.configurationPid) + ")");
                } else {
                    problems.add(new ComponentProblem(bundle, description.name, "no configuration",
                            List.of("SCR created no configuration for an enabled component")));
                }
                continue;
            }
            for (ComponentConfigurationDTO configuration : configurations) {
                if (configuration.state == ComponentConfigurationDTO.ACTIVE
                        || configuration.state == ComponentConfigurationDTO.SATISFIED) {
                    working++;
                } else {
                    problems.add(new ComponentProblem(bundle, description.name,
                            componentStateName(configuration.state), reasons(description, configuration)));
                }
            }
        }
        return new Components(working, waiting, problems, true);
    }

    private static List<String> reasons(ComponentDescriptionDTO description, ComponentConfigurationDTO configuration) {
        List<String> reasons = new ArrayList<>();
        if (configuration.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION) {
            reasons.add("waiting for configuration " + String.join(", ", description.configurationPid));
        }
        for (UnsatisfiedReferenceDTO reference : configuration.unsatisfiedReferences) {
            String service = java.util.Arrays.stream(description.references)
                    .filter(r -> r.name.equals(reference.name))
                    .map(r -> r.interfaceName)
                    .findFirst().orElse("?");
            reasons.add("missing service " + service + " (reference '" + reference.name + "'"
                    + (reference.target != null ? ", target " + reference.target : "") + ")");
        }
        if (configuration.failure != null && !configuration.failure.isBlank()) {
            reasons.add(firstLine(configuration.failure));
        }
        if (reasons.isEmpty()) {
            reasons.add("SCR gives no reason");
        }
        return reasons;
    }

    /** SCR's failure text is a stack trace; its first line names the exception and message. */
    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }

    static String componentStateName(int state) {
        switch (state) {
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION: return "unsatisfied configuration";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: return "unsatisfied reference";
            case ComponentConfigurationDTO.SATISFIED: return "satisfied";
            case ComponentConfigurationDTO.ACTIVE: return "active";
            case ComponentConfigurationDTO.FAILED_ACTIVATION: return "failed activation";
            default: return "state " + state;
        }
    }

    private static List<HealthReport> health(Collection<HealthIndicator> indicators) {
        List<HealthReport> reports = new ArrayList<>();
        for (HealthIndicator indicator : indicators) {
            try {
                HealthReport report = indicator.health();
                reports.add(report != null ? report
                        : HealthReport.of(indicator.getClass().getSimpleName(), Health.UNKNOWN,
                                "the indicator returned no report"));
            } catch (RuntimeException e) {
                // The contract says indicators must not throw; one that does must not hide the others.
                reports.add(HealthReport.of(indicator.getClass().getSimpleName(), Health.UNKNOWN,
                        "the indicator failed: " + e));
            }
        }
        reports.sort(Comparator.comparing(HealthReport::component));
        return reports;
    }
}
