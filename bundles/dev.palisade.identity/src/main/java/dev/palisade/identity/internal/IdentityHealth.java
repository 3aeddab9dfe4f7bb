package dev.palisade.identity.internal;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyLocation;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code identity} health report, computed from memory on every call (days left change by
 * themselves). Logs one line whenever the state or its reason changes, so that crossing an
 * expiry threshold is in the log even if nobody asks for the status.
 */
final class IdentityHealth {

    static final String COMPONENT = "identity";

    private static final Logger LOG = LoggerFactory.getLogger(IdentityHealth.class);

    private final int warningDays;
    private final int criticalDays;
    private final AtomicReference<String> lastLogged = new AtomicReference<>();

    /**
     * @param warningDays days before expiry at which the identity becomes DEGRADED
     * @param criticalDays days before expiry at which the warning becomes urgent
     */
    IdentityHealth(int warningDays, int criticalDays) {
        if (criticalDays < 0 || warningDays < criticalDays) {
            throw new IllegalArgumentException("expiry thresholds must satisfy 0 <= expiry.critical.days ("
                    + criticalDays + ") <= expiry.warning.days (" + warningDays + ")");
        }
        this.warningDays = warningDays;
        this.criticalDays = criticalDays;
    }

    /** @return whole days from {@code now} to {@code notAfter}; negative once expired */
    static long daysLeft(Instant notAfter, Instant now) {
        return Math.floorDiv(Duration.between(now, notAfter).toSeconds(), 86_400L);
    }

    HealthReport report(IdentityManager manager, String signerMetrics, Instant now) {
        HealthReport report = evaluate(manager, signerMetrics, now);
        // Days left change every day: compare state and reason without them, so that only a
        // real change (a threshold crossed, the token gone) makes a log line.
        String state = report.health() + " " + report.summary().replaceAll("-?\\d+ days", "N days");
        String previous = lastLogged.getAndSet(state);
        if (previous != null && !previous.equals(state)) {
            if (report.health() == Health.UP) {
                LOG.info("Identity {}: {}", report.health(), report.summary());
            } else {
                LOG.warn("Identity {}: {}", report.health(), report.summary());
            }
        }
        return report;
    }

    private HealthReport evaluate(IdentityManager manager, String signerMetrics, Instant now) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("keystore", manager.describe());
        if (!manager.opened()) {
            return new HealthReport(COMPONENT, Health.UNKNOWN, "opening the keystore", details, now);
        }
        IdentityException failure = manager.failure();
        if (failure != null) {
            details.put("reason", failure.reason().toString());
            return new HealthReport(COMPONENT, Health.DOWN, failure.getMessage(), details, now);
        }
        CurrentKey key = manager.snapshot();
        if (key == null) {
            return new HealthReport(COMPONENT, Health.DOWN, "no gateway key yet: run palisade:identity init", details, now);
        }
        IdentityInfo info = key.info();
        details.put("alias", key.alias());
        details.put("key", info.keyType() + (info.extractable() ? ", EXTRACTABLE" : ", not extractable"));
        if (!key.installed()) {
            return new HealthReport(COMPONENT, Health.DOWN, "key '" + key.alias()
                    + "' has no issued chain: run palisade:identity csr, have it signed, then palisade:identity install",
                    details, now);
        }
        long days = daysLeft(info.notAfter(), now);
        details.put("subject", info.subject().getName());
        details.put("expires", info.notAfter().toString());
        details.put("days left", Long.toString(days));
        details.put("signatures", signerMetrics);
        String subject = info.subject().getName();
        if (now.isAfter(info.notAfter())) {
            return new HealthReport(COMPONENT, Health.DOWN, subject + ": the certificate expired on " + info.notAfter()
                    + "; install a renewed chain", details, now);
        }
        if (now.isBefore(info.notBefore())) {
            return new HealthReport(COMPONENT, Health.DOWN, subject + ": the certificate is not valid before "
                    + info.notBefore() + "; check the gateway's clock", details, now);
        }
        if (info.extractable() && info.location().backend() == KeyLocation.Backend.PKCS11) {
            return new HealthReport(COMPONENT, Health.DEGRADED, subject + ": the token lets the private key out"
                    + " (not sensitive or extractable); provision a new key with palisade:identity init", details, now);
        }
        if (days < criticalDays) {
            return new HealthReport(COMPONENT, Health.DEGRADED, subject + ": certificate expires in " + days
                    + " days (under " + criticalDays + "): renew it now", details, now);
        }
        if (days < warningDays) {
            return new HealthReport(COMPONENT, Health.DEGRADED, subject + ": certificate expires in " + days
                    + " days (under " + warningDays + "): plan its renewal", details, now);
        }
        return new HealthReport(COMPONENT, Health.UP, subject + ", " + days + " days left", details, now);
    }
}
