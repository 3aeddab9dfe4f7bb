package dev.palisade.upstream.mqtt.internal;

import java.time.Duration;
import java.time.Instant;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code palisade:upstream}: the hub link's state, broker, window and in-flight count, counters
 * and last error, for a field engineer. Always registered, so that a missing or broken link
 * component is reported instead of "unknown command".
 */
@Component(service = UpstreamCommand.class,
        property = {"osgi.command.scope=palisade", "osgi.command.function=upstream"})
public final class UpstreamCommand {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MqttLinkComponent link;

    @Descriptor("show the hub link: state, broker, in-flight window, counters, last error")
    public String upstream() {
        return render(link, Instant.now());
    }

    static String render(MqttLinkComponent link, Instant now) {
        if (link == null) {
            return "upstream: no hub link is configured (create etc/" + MqttLinkComponent.PID
                    + ".cfg with hub.uri and hub.trust.domain or hub.trust.anchors; see docs/upstream.md)";
        }
        LinkStats stats = link.stats();
        StringBuilder out = new StringBuilder();
        out.append("state:          ").append(link.state()).append(" - ").append(link.detail()).append('\n');
        LinkSettings settings = link.settings();
        out.append("hub:            ").append(settings == null ? "(not configured)" : settings.uri() + ", verified by "
                + (settings.trustDomain().isEmpty() ? "the anchors in " + settings.anchorsFile()
                        : "trust domain '" + settings.trustDomain() + "'")).append('\n');
        Instant since = stats.connectedSince;
        out.append("connected for:  ").append(since == null ? "-" : Duration.between(since, now).toSeconds() + " s").append('\n');
        out.append("in-flight:      ").append(link.inFlight()).append(" of window ").append(stats.window)
                .append(" (hub Receive Maximum ").append(stats.receiveMaximum).append(")\n");
        out.append("published:      ").append(stats.published.get()).append(", acknowledged ")
                .append(stats.acknowledged.get()).append(", released ").append(stats.released.get())
                .append(", refused by hub ").append(stats.rejected.get()).append('\n');
        out.append("connects:       ").append(stats.connects.get()).append(" ok, ").append(stats.connectFailures.get())
                .append(" failed\n");
        out.append("commands:       ").append(stats.commands.get()).append(", requests ").append(stats.requests.get()).append('\n');
        out.append("last error:     ").append(stats.lastError.isEmpty() ? "-" : stats.lastError + " at " + stats.lastErrorAt);
        return out.toString();
    }
}
