package dev.palisade.trust.internal;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.trust.RevocationPolicy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code trust} health report: DOWN when a domain is DOWN, a CRL is past its usable time
 * (every chain through its issuer is refused) or the deny-list is unreadable; DEGRADED when a
 * CRL is stale but still used within its grace period; otherwise UP with the domain count.
 */
final class TrustHealth {

    static final String COMPONENT = "trust";

    private TrustHealth() {
    }

    static HealthReport report(List<DomainState> domains, DenyListComponent.State deny, Instant now) {
        Map<String, String> details = new LinkedHashMap<>();
        Health health = Health.UP;
        String summary = domains.size() + " trust domain(s)" + (domains.isEmpty() ? " configured" : "");
        if (deny.broken() != null) {
            health = Health.DOWN;
            summary = "the deny-list is unreadable, every chain is refused: " + deny.broken();
        }
        details.put("deny-list", deny.list().size() + " entries");
        for (DomainState domain : domains) {
            if (domain.isDown()) {
                details.put(domain.name(), "DOWN: " + domain.down());
                if (health != Health.DOWN) {
                    health = Health.DOWN;
                    summary = "trust domain '" + domain.name() + "' is DOWN and rejects every chain: " + domain.down();
                }
                continue;
            }
            String state = "UP, " + domain.material().anchors.size() + " anchor(s)";
            if (domain.revocation() != RevocationPolicy.OFF) {
                for (Crl crl : domain.material().crls) {
                    Instant usable = Revocation.usableUntil(crl, domain.policy());
                    if (now.isAfter(usable)) {
                        state = "CRL " + crl.source + " is stale since " + crl.nextUpdate + ": chains under its issuer"
                                + " are refused";
                        if (health != Health.DOWN) {
                            health = Health.DOWN;
                            summary = "trust domain '" + domain.name() + "': " + state + "; install a current CRL";
                        }
                    } else if (crl.nextUpdate == null || now.isAfter(crl.nextUpdate.plus(domain.policy().clockSkew()))) {
                        state = "CRL " + crl.source + " is stale, used within the grace period until " + usable;
                        if (health == Health.UP) {
                            health = Health.DEGRADED;
                            summary = "trust domain '" + domain.name() + "': " + state + "; install a current CRL";
                        }
                    }
                }
            }
            details.put(domain.name(), state);
        }
        return new HealthReport(COMPONENT, health, summary, details, now);
    }
}
