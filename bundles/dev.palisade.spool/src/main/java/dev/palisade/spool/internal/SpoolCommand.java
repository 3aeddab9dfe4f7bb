package dev.palisade.spool.internal;

import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.UpstreamException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code palisade:spool} (statistics), {@code palisade:spool peek [N]} (the next messages, no
 * payloads) and {@code palisade:spool publish CHILD SUFFIX TEXT...} (test messages, one per
 * TEXT, through the same {@code Upstream.publish} as the bus bundles). {@code publish} answers
 * only once the spool accepted every message, so a client of the admin channel knows for sure
 * which messages the gateway took responsibility for: GatewayKillIT relies on that.
 */
@Component(service = SpoolCommand.class)
@GogoCommand(scope = "palisade", function = {"spool"})
public final class SpoolCommand {

    private final SpoolComponent spool;

    /** @param spool the spool */
    @Activate
    public SpoolCommand(@Reference SpoolComponent spool) {
        this.spool = spool;
    }

    /** @return the statistics */
    @Descriptor("spool statistics: depth, bytes, oldest age, dropped and expired counts, policies")
    public String spool() {
        HealthReport report = spool.health();
        StringBuilder out = new StringBuilder("spool ").append(report.health()).append(": ").append(report.summary())
                .append('\n');
        for (Map.Entry<String, String> detail : report.details().entrySet()) {
            out.append("  ").append(detail.getKey()).append(": ").append(detail.getValue()).append('\n');
        }
        return out.toString();
    }

    /**
     * @param action {@code peek}
     * @param count how many
     * @return the next messages in hand-out order
     */
    @Descriptor("peek N: the next N messages in hand-out order (sequence, priority, key, size, age), no payloads")
    public String spool(@Descriptor("peek") String action, @Descriptor("how many") int count) {
        if (!"peek".equals(action)) {
            throw new IllegalArgumentException("usage: spool [peek N | publish CHILD SUFFIX TEXT...]; unknown action '"
                    + action + "'");
        }
        List<String> next = spool.journal().peek(Math.max(1, count));
        return next.isEmpty() ? "the spool is empty\n" : String.join("\n", next) + "\n";
    }

    /**
     * @param action {@code peek}
     * @return the next 10 messages
     */
    @Descriptor("peek: the next 10 messages in hand-out order")
    public String spool(@Descriptor("peek") String action) {
        return spool(action, 10);
    }

    /**
     * Publishes one message per {@code texts} element (its UTF-8 bytes as the payload, default
     * priority), in order, and answers once every one is accepted.
     *
     * @param action {@code publish}
     * @param child the child id (one topic level)
     * @param suffix the topic suffix, e.g. {@code telemetry}
     * @param texts the payloads
     * @return one line per message: {@code accepted SEQUENCE}
     * @throws UpstreamException naming the first message refused; the ones before it were accepted
     */
    @Descriptor("publish CHILD SUFFIX TEXT...: one test message per TEXT; answers after the spool accepted them all")
    public String spool(@Descriptor("publish") String action, @Descriptor("child id") String child,
            @Descriptor("topic suffix, e.g. telemetry") String suffix, @Descriptor("payloads") String... texts)
            throws UpstreamException {
        if (!"publish".equals(action)) {
            throw new IllegalArgumentException("usage: spool publish CHILD SUFFIX TEXT...; unknown action '" + action + "'");
        }
        if (texts.length == 0) {
            throw new IllegalArgumentException("usage: spool publish CHILD SUFFIX TEXT...; no TEXT given");
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < texts.length; i++) {
            try {
                long seq = spool.publish(child, suffix, texts[i].getBytes(StandardCharsets.UTF_8), PublishOptions.DEFAULT);
                out.append("accepted ").append(seq).append('\n');
            } catch (UpstreamException e) {
                throw new UpstreamException(e.reason(), "message " + (i + 1) + " of " + texts.length + " not accepted ("
                        + i + " before it were): " + e.getMessage(), e);
            }
        }
        return out.toString();
    }
}
