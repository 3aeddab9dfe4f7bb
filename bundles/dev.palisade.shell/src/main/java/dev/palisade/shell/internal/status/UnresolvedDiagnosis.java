package dev.palisade.shell.internal.status;

import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Says why a bundle is not running, in terms a field engineer can act on.
 *
 * <p>The framework does not keep the resolver's error message, so for an unresolved bundle this
 * asks the framework, for each mandatory requirement, whether anything installed could satisfy
 * it ({@link FrameworkWiring#findProviders}). A requirement without a provider is what to
 * install or fix. When every requirement has a candidate, the conflict is deeper (a provider
 * that itself does not resolve, or a uses constraint) and the framework log has the details.
 */
final class UnresolvedDiagnosis {

    private final BundleContext context;

    UnresolvedDiagnosis(BundleContext context) {
        this.context = context;
    }

    List<String> explain(Bundle bundle) {
        List<String> reasons = new ArrayList<>();
        switch (bundle.getState()) {
            case Bundle.INSTALLED:
                reasons.addAll(missingRequirements(bundle));
                if (reasons.isEmpty()) {
                    reasons.add("not resolved, although every requirement has a candidate provider"
                            + " (a provider that does not resolve itself, or a uses conflict): see the log");
                }
                break;
            case Bundle.RESOLVED:
                reasons.add("resolved but not started (its activator failed, or it was stopped): see the log");
                break;
            case Bundle.STARTING:
                reasons.add("still starting");
                break;
            case Bundle.STOPPING:
                reasons.add("stopping");
                break;
            default:
                reasons.add("state " + bundle.getState());
        }
        return reasons;
    }

    private List<String> missingRequirements(Bundle bundle) {
        List<String> missing = new ArrayList<>();
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        if (revision == null || wiring == null) {
            return missing;
        }
        for (BundleRequirement requirement : revision.getDeclaredRequirements(null)) {
            String resolution = requirement.getDirectives().get(Constants.RESOLUTION_DIRECTIVE);
            if (Constants.RESOLUTION_OPTIONAL.equals(resolution)
                    || PackageNamespace.RESOLUTION_DYNAMIC.equals(resolution)) {
                continue;
            }
            if (wiring.findProviders(requirement).isEmpty()) {
                String filter = requirement.getDirectives().get(Constants.FILTER_DIRECTIVE);
                missing.add("missing " + requirement.getNamespace() + " " + (filter != null ? filter : ""));
            }
        }
        return missing;
    }
}
