package dev.palisade.enroll.internal;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.palisade.api.enroll.ChildState;

/**
 * {@code palisade:children}: each child's enrollment state, mode, the hub's reason and the last
 * attempt; {@code retry <child>} and {@code unenroll <child>}. Always registered, so that an
 * unconfigured enrollment is reported instead of "unknown command".
 */
@Component(service = ChildrenCommand.class,
        property = {"osgi.command.scope=palisade", "osgi.command.function=children"})
public final class ChildrenCommand {

    static final String USAGE = "usage: children [list] | children retry <child> | children unenroll <child>"
            + " | children csr <child> [--out FILE] | children install <child> CHAIN.pem";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EnrollmentComponent enrollment;

    @Descriptor("the gateway's children and their enrollment with the hub: list, retry, unenroll, csr, install")
    public String children(@Descriptor("list | retry <child> | unenroll <child> | csr <child> [--out FILE] | install <child> CHAIN.pem")
            String... args) throws Exception {
        EnrollmentComponent e = enrollment;
        if (e == null) {
            return "children: enrollment is not configured (create etc/" + EnrollmentComponent.PID
                    + ".cfg with hub.id; see docs/enrollment.md)";
        }
        if (args.length == 0 || (args.length == 1 && args[0].equals("list"))) {
            return render(e.children(), e::lastAttempt, e.health().summary());
        }
        if (args.length >= 2 && args[0].equals("csr")) {
            return Custodial.csr(e, args);
        }
        if (args.length == 3 && args[0].equals("install")) {
            return Custodial.install(e, args[1], args[2], this);
        }
        if (args.length != 2) {
            throw new IllegalArgumentException(USAGE);
        }
        String child = args[1];
        ChildState state = switch (args[0]) {
            case "retry" -> await(e.enroll(child).toCompletableFuture(), e.settings().requestTimeout().toSeconds() * 3 + 10);
            case "unenroll" -> await(e.unenroll(child).toCompletableFuture(), 10);
            default -> throw new IllegalArgumentException("unknown subcommand '" + args[0] + "'; " + USAGE);
        };
        return render(List.of(state), e::lastAttempt, null);
    }

    static ChildState await(java.util.concurrent.CompletableFuture<ChildState> f, long seconds) throws Exception {
        try {
            return f.get(seconds, TimeUnit.SECONDS);
        } catch (ExecutionException x) {
            throw x.getCause() instanceof Exception cause ? cause : x;
        } catch (TimeoutException x) {
            throw new IllegalStateException("no outcome within " + seconds + " s; palisade:children shows the state later");
        }
    }

    interface LastAttempt {
        Instant of(String child);
    }

    static String render(List<ChildState> children, LastAttempt last, String summary) {
        StringBuilder out = new StringBuilder();
        if (summary != null) {
            out.append(summary).append('\n');
        }
        out.append(String.format("%-24s %-10s %-9s %-22s %-24s %s%n", "CHILD", "STATE", "MODE", "REASON", "LAST ATTEMPT", "DETAIL"));
        for (ChildState s : children) {
            Instant at = last.of(s.childId());
            out.append(String.format("%-24s %-10s %-9s %-22s %-24s %s%n", s.childId(), s.status().name().toLowerCase(),
                    s.mode().name().toLowerCase(), s.hubReason() == null ? "-" : s.hubReason().name(),
                    at == null ? "-" : at.toString(), s.detail()));
        }
        return out.toString().stripTrailing();
    }
}
