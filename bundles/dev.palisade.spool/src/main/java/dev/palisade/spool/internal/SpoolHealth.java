package dev.palisade.spool.internal;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.SpoolStats;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code spool} health report: DOWN when the last write failed (disk full, I/O error) and
 * none succeeded since; DEGRADED at 80 % of a bound; otherwise UP. The details are the spool's
 * statistics, which {@code palisade:status} prints.
 */
final class SpoolHealth {

    static final String COMPONENT = "spool";

    private SpoolHealth() {
    }

    static HealthReport report(Journal journal, SpoolComponent.SyncPolicy sync, Instant now) {
        SpoolStats stats = journal.stats();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("depth", stats.messages() + " of " + stats.maxMessages() + " messages (" + stats.inFlight()
                + " in flight)");
        details.put("bytes", stats.bytes() + " of " + stats.maxBytes());
        details.put("oldest", stats.oldestAge().toString());
        details.put("dropped", Long.toString(stats.dropped()));
        details.put("expired", Long.toString(stats.expired()));
        details.put("since", stats.countersSince().toString());
        details.put("directory", journal.directory().toString());
        details.put("policy", "sync " + sync + " (power-cut loss window " + journal.settings().lossWindow()
                + "), overflow " + journal.settings().overflow());
        String failure = journal.failure();
        Health health = Health.UP;
        String summary = stats.messages() + " message(s) queued";
        if (failure != null) {
            health = Health.DOWN;
            summary = "the spool cannot accept messages: " + failure;
        } else if (stats.messages() * 5 >= stats.maxMessages() * 4 || stats.bytes() * 5 >= stats.maxBytes() * 4) {
            health = Health.DEGRADED;
            summary = "the spool is at least 80 % full (" + stats.messages() + " messages, " + stats.bytes()
                    + " bytes); is the hub reachable?";
        }
        return new HealthReport(COMPONENT, health, summary, details, now);
    }
}
