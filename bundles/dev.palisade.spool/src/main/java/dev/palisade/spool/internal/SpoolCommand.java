package dev.palisade.spool.internal;

import dev.palisade.api.health.HealthReport;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code palisade:spool} (statistics) and {@code palisade:spool peek [N]} (the next messages, no payloads). */
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
            throw new IllegalArgumentException("usage: spool [peek N]; unknown action '" + action + "'");
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
}
