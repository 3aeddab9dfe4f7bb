package dev.palisade.trust.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.trust.CrlStatus;
import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code palisade:trust} and {@code palisade:verify}, also reachable as {@code bin/palisade trust}
 * and {@code bin/palisade verify …}. A rejection is thrown with its reason, so the admin channel
 * prints it on stderr and exits with 1, as {@code openssl verify} does.
 */
@Component(service = TrustCommand.class)
@GogoCommand(scope = "palisade", function = {"trust", "verify"})
public final class TrustCommand {

    static final String USAGE = "usage: verify DOMAIN CHAIN.pem [client|server] [--name IDENTITY] [--time EPOCH_SECONDS]";

    private final TrustService trust;
    private final HealthIndicator health;

    /**
     * @param trust the trust service
     * @param health its health report (the same component), for the DOWN reasons
     */
    @Activate
    public TrustCommand(@Reference TrustService trust,
            @Reference(target = "(component.name=dev.palisade.trust.internal.TrustServiceComponent)") HealthIndicator health) {
        this.trust = trust;
        this.health = health;
    }

    /** @return the domains with their anchors, CRL freshness and deny-list size */
    @Descriptor("list trust domains: anchors, CRL freshness, deny-list")
    public String trust() {
        return list(trust.domains(), health.health(), Instant.now());
    }

    static String list(List<TrustDomainInfo> domains, HealthReport report, Instant now) {
        StringBuilder out = new StringBuilder();
        out.append("trust ").append(report.health()).append(": ").append(report.summary()).append('\n');
        out.append("deny-list: ").append(report.details().getOrDefault("deny-list", "0 entries")).append('\n');
        for (TrustDomainInfo domain : domains) {
            out.append("\ndomain ").append(domain.name()).append(": ")
                    .append(report.details().getOrDefault(domain.name(), "")).append('\n');
            out.append("  max depth ").append(domain.maxDepth()).append(", ").append(domain.intermediates())
                    .append(" intermediate(s), revocation ").append(domain.revocation().toString().toLowerCase(Locale.ROOT))
                    .append(domain.grace().isZero() ? "" : " (grace " + domain.grace().toSeconds() + "s)")
                    .append(", changed ").append(domain.changedAt()).append('\n');
            for (X509Certificate anchor : domain.anchors()) {
                out.append("  anchor ").append(anchor.getSubjectX500Principal().getName())
                        .append(" (until ").append(anchor.getNotAfter().toInstant()).append(")\n");
            }
            for (CrlStatus crl : domain.crls()) {
                boolean fresh = crl.nextUpdate() != null && now.isBefore(crl.nextUpdate());
                out.append("  crl ").append(crl.source()).append(" by ").append(crl.issuer().getName())
                        .append(": ").append(crl.revokedCount()).append(" revoked, next update ")
                        .append(crl.nextUpdate() == null ? "none" : crl.nextUpdate())
                        .append(fresh ? " (fresh)" : " (STALE)").append('\n');
            }
        }
        return out.toString();
    }

    /**
     * @param args DOMAIN CHAIN.pem [client|server] [--name IDENTITY] [--time EPOCH_SECONDS]
     * @return the acceptance
     * @throws Exception the rejection or a bad command line, with a message for the operator
     */
    @Descriptor("verify a PEM chain (leaf first) in a trust domain and say why it is accepted or rejected")
    public String verify(@Descriptor("DOMAIN CHAIN.pem [client|server] [--name IDENTITY] [--time EPOCH_SECONDS]")
            String... args) throws Exception {
        return run(trust, List.of(args));
    }

    /** The command without the framework, for tests. */
    static String run(TrustService trust, List<String> args) throws IOException, RejectedException {
        if (args.size() < 2) {
            throw new IllegalArgumentException(USAGE);
        }
        Purpose purpose = Purpose.CLIENT;
        String name = null;
        Instant time = null;
        for (int i = 2; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--name") && i + 1 < args.size()) {
                name = args.get(++i);
            } else if (arg.equals("--time") && i + 1 < args.size()) {
                try {
                    time = Instant.ofEpochSecond(Long.parseLong(args.get(++i)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--time takes seconds since the epoch, not '" + args.get(i) + "'");
                }
            } else if (arg.equals("client") || arg.equals("server")) {
                purpose = Purpose.valueOf(arg.toUpperCase(Locale.ROOT));
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + USAGE);
            }
        }
        Path file = Path.of(args.get(1));
        if (!file.isAbsolute()) {
            throw new IllegalArgumentException("give the chain file as an absolute path: the gateway process reads it,"
                    + " not this shell (got '" + file + "')");
        }
        Verdict verdict = trust.verify(new TrustRequest(args.get(0), Pem.read(file, "CERTIFICATE"), purpose, time, name));
        if (!verdict.accepted()) {
            throw new RejectedException("rejected (" + verdict.reason() + "): " + verdict.message());
        }
        return "accepted: " + verdict.message() + "\nidentity: " + verdict.deviceIdentity() + "\n";
    }

    /** A rejection, as the shell and the admin channel report it (exit code 1). */
    static final class RejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        RejectedException(String message) {
            super(message, null, false, false);
        }
    }
}
