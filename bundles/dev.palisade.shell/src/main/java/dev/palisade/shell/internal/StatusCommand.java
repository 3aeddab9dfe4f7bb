package dev.palisade.shell.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.shell.internal.status.StatusCollector;
import dev.palisade.shell.internal.status.StatusFormatter;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/**
 * {@code palisade:status}: the gateway at a glance, for the field engineer at the shell or
 * through {@code bin/palisade status}.
 *
 * <p>Other bundles extend what it shows by registering a
 * {@link dev.palisade.api.health.HealthIndicator}; nothing here needs to change for that.
 */
@Component(service = StatusCommand.class)
@GogoCommand(scope = "palisade", function = {"status"})
public final class StatusCommand {

    private final StatusCollector collector;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<HealthIndicator> indicators;

    /**
     * @param context the shell bundle's context
     */
    @Activate
    public StatusCommand(BundleContext context) {
        this.collector = new StatusCollector(context);
    }

    /**
     * @return the status text
     */
    @Descriptor("show the gateway's version, uptime, bundles, components and health, with the reason for every problem")
    public String status() {
        List<HealthIndicator> current = indicators;
        return StatusFormatter.format(collector.collect(scr, current == null ? List.of() : current));
    }
}
