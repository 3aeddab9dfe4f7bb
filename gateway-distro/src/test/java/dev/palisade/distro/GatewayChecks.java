package dev.palisade.distro;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * What "a healthy gateway" means to the distribution tests, as lists of problems so that a
 * failing assertion says what is wrong. Runs inside the framework.
 */
final class GatewayChecks {

    private GatewayChecks() {
    }

    /** @return every non-fragment bundle that is not ACTIVE, and every fragment not attached */
    static List<String> bundleProblems(BundleContext context) {
        List<String> problems = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            BundleRevision revision = bundle.adapt(BundleRevision.class);
            boolean fragment = revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (bundle.getState() != expected) {
                problems.add(bundle.getSymbolicName() + " is in state " + bundle.getState());
            }
        }
        return problems;
    }

    /** @return every enabled component configuration that is neither ACTIVE nor SATISFIED */
    static List<String> componentProblems(ServiceComponentRuntime scr) {
        List<String> problems = new ArrayList<>();
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (!scr.isComponentEnabled(description)) {
                problems.add(description.name + " is disabled");
                continue;
            }
            for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                if (configuration.state != ComponentConfigurationDTO.ACTIVE
                        && configuration.state != ComponentConfigurationDTO.SATISFIED) {
                    problems.add(description.name + " is in DS state " + configuration.state
                            + (configuration.unsatisfiedReferences.length > 0
                                    ? " (missing " + configuration.unsatisfiedReferences[0].name + ")" : ""));
                }
            }
        }
        return problems;
    }

    /** Runs one command line at the gateway's shell, as a field engineer would type it, and returns what it showed. */
    static String execute(CommandProcessor commands, String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
             CommandSession session = commands.createSession(InputStream.nullInputStream(), print, print)) {
            Object result = session.execute(line);
            return result != null ? result.toString() : out.toString(StandardCharsets.UTF_8);
        }
    }
}
