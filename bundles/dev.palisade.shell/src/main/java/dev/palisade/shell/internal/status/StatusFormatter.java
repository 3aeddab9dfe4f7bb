package dev.palisade.shell.internal.status;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.shell.internal.status.StatusReport.BundleProblem;
import dev.palisade.shell.internal.status.StatusReport.ComponentProblem;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints a {@link StatusReport} for a person at a terminal: the overall state on the first
 * line, then one section per concern, problems indented under their section with the reason.
 */
public final class StatusFormatter {

    private static final String INDENT = "    ";

    private StatusFormatter() {
    }

    /**
     * @param report the status
     * @return the text, lines separated by {@code \n}, ending with a newline
     */
    public static String format(StatusReport report) {
        StringBuilder out = new StringBuilder();
        out.append("Palisade ").append(report.version()).append(": ")
                .append(report.starting() ? "STARTING" : report.overall().toString()).append('\n');
        line(out, "uptime", duration(report.uptime()) + " (since " + report.startedAt().truncatedTo(ChronoUnit.SECONDS) + ")");
        for (Map.Entry<String, String> directory : report.directories().entrySet()) {
            line(out, directory.getKey(), directory.getValue());
        }

        String counts = report.bundleCounts().entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().toLowerCase(java.util.Locale.ROOT))
                .collect(Collectors.joining(", "));
        line(out, "bundles", counts + (report.fragments() > 0 ? " (" + report.fragments() + " fragments)" : "")
                + (report.bundleProblems().isEmpty() ? "" : "; " + report.bundleProblems().size() + " not running"));
        for (BundleProblem problem : report.bundleProblems()) {
            out.append(INDENT).append("[").append(problem.id()).append("] ").append(problem.symbolicName())
                    .append(' ').append(problem.version()).append(": ").append(problem.state()).append('\n');
            problem.reasons().forEach(reason -> out.append(INDENT).append(INDENT).append(reason).append('\n'));
        }

        StatusReport.Components components = report.components();
        if (!components.scrPresent()) {
            line(out, "components", "no Service Component Runtime is running: no Palisade component can work");
        } else {
            line(out, "components", components.working() + " working, " + components.problems().size()
                    + " not working, " + components.waitingForConfiguration().size() + " waiting for configuration");
            for (ComponentProblem problem : components.problems()) {
                out.append(INDENT).append(problem.name()).append(" (").append(problem.bundle()).append("): ")
                        .append(problem.state()).append('\n');
                problem.reasons().forEach(reason -> out.append(INDENT).append(INDENT).append(reason).append('\n'));
            }
            for (String waiting : components.waitingForConfiguration()) {
                out.append(INDENT).append(waiting).append(": no configuration yet\n");
            }
        }

        if (report.health().isEmpty()) {
            line(out, "health", "no health indicators registered");
        } else {
            line(out, "health", report.health().stream().filter(h -> h.health() == Health.UP).count()
                    + " of " + report.health().size() + " up");
            for (HealthReport health : report.health()) {
                out.append(INDENT).append(String.format("%-12s %-8s %s", health.component(), health.health(),
                        health.summary())).append('\n');
                health.details().forEach((key, value) ->
                        out.append(INDENT).append(INDENT).append(key).append(": ").append(value).append('\n'));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format("  %-11s %s%n", label, value).replace(System.lineSeparator(), "\n"));
    }

    static String duration(Duration duration) {
        long seconds = duration.getSeconds();
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        if (days > 0) {
            return String.format("%dd %dh %dm", days, hours, minutes);
        }
        if (hours > 0) {
            return String.format("%dh %dm %ds", hours, minutes, rest);
        }
        if (minutes > 0) {
            return String.format("%dm %ds", minutes, rest);
        }
        return String.format("%d.%ds", rest, duration.toMillisPart() / 100);
    }
}
