package dev.palisade.trust.internal;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One trust domain, one factory configuration {@code etc/dev.palisade.trust.domain-NAME.cfg}. A
 * configuration change re-activates the component (a new instance, so the service sees the old
 * domain go and the new one come, which empties the verdict cache). PEM files are checked for
 * changes (modification time and size) when the domain is used, at most once per
 * {@code files.check.interval.ms}: no thread to stop, and an idle domain costs nothing.
 */
@Component(configurationPid = TrustDomainComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = TrustDomainComponent.class, immediate = true)
@Designate(ocd = TrustDomainComponent.Config.class, factory = true)
public final class TrustDomainComponent {

    static final String PID = "dev.palisade.trust.domain";

    private static final Logger LOG = LoggerFactory.getLogger(TrustDomainComponent.class);

    @ObjectClassDefinition(name = "Palisade trust domain",
            description = "Anchors and rules against which leaf-device certificate chains are verified. See docs/trust.md.")
    @interface Config {
        @AttributeDefinition(name = "Name", description = "The domain's name, as requests and palisade:verify give it,"
                + " e.g. plant-a-devices.")
        String name();

        @AttributeDefinition(name = "Anchor files", description = "PEM files of the trust anchors (comma-separated)."
                + " Relative paths resolve against the gateway's etc directory.")
        String[] anchors();

        @AttributeDefinition(name = "Intermediate files", required = false,
                description = "PEM files of CA certificates used to complete chains devices present incompletely.")
        String[] intermediates() default {};

        @AttributeDefinition(name = "Key types", description = "Allowed public keys in the path: ec-p256, ec-p384,"
                + " ec-p521, rsa, ed25519.")
        String[] key_types() default {"ec-p256", "ec-p384", "rsa"};

        @AttributeDefinition(name = "Smallest RSA key (bits)")
        int rsa_min_bits() default 2048;

        @AttributeDefinition(name = "Signature algorithms", description = "Allowed JCA signature algorithm names.")
        String[] signature_algorithms() default {"SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
            "SHA256withRSA", "SHA384withRSA", "SHA512withRSA"};

        @AttributeDefinition(name = "EKU for client devices", description = "clientAuth, serverAuth or OIDs the leaf"
                + " must carry when the device is a TLS client.")
        String[] eku_client() default {"clientAuth"};

        @AttributeDefinition(name = "EKU for server devices", description = "As eku.client, when the device is a TLS server.")
        String[] eku_server() default {"serverAuth"};

        @AttributeDefinition(name = "Maximum depth", description = "Most certificates in a path, anchor included (1-8).")
        int max_depth() default 4;

        @AttributeDefinition(name = "Clock skew (seconds)", description = "Tolerance on both ends of validity periods.")
        long clock_skew_seconds() default 300;

        @AttributeDefinition(name = "Identity rule", description = "subject-cn, san-uri or san-dns.")
        String identity_rule() default "subject-cn";

        @AttributeDefinition(name = "Identity URI prefix", required = false,
                description = "For san-uri: only URIs with this prefix count; the identity is the rest.")
        String identity_uri_prefix() default "";

        @AttributeDefinition(name = "Revocation", description = "none, crl-fail-closed or crl-grace.")
        String revocation() default "none";

        @AttributeDefinition(name = "Grace period (seconds)", description = "For crl-grace: how long a CRL past its"
                + " nextUpdate is still used.")
        long revocation_grace_seconds() default 0;

        @AttributeDefinition(name = "CRL files", required = false, description = "PEM files of CRLs (comma-separated).")
        String[] crls() default {};

        @AttributeDefinition(name = "File check interval (ms)", description = "How often, at most, the PEM files are"
                + " checked for changes when the domain is used.")
        long files_check_interval_ms() default 1000;
    }

    private final Config config;
    private final Path etc;
    private final Clock clock;
    private final long checkIntervalNanos;
    private volatile DomainState state;
    private volatile long lastCheck;

    /**
     * @param config the typed configuration
     * @param context for the gateway's etc directory (framework property {@code palisade.etc})
     */
    @Activate
    public TrustDomainComponent(Config config, BundleContext context) {
        this(config, etc(context), Clock.systemUTC());
    }

    /**
     * @param config the typed configuration
     * @param etc where relative file names resolve
     * @param clock when files are loaded, for CRL freshness of files without nextUpdate
     * @throws IllegalArgumentException if the name is missing: without it the domain cannot be routed to
     */
    TrustDomainComponent(Config config, Path etc, Clock clock) {
        if (config.name() == null || config.name().isBlank()) {
            throw new IllegalArgumentException("a " + PID + " configuration has no 'name': set name = <domain name>");
        }
        this.config = config;
        this.etc = etc;
        this.clock = clock;
        this.checkIntervalNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.files_check_interval_ms()));
        this.state = logged(DomainLoader.load(config, etc, clock.instant()), "loaded");
        this.lastCheck = System.nanoTime();
    }

    private static Path etc(BundleContext context) {
        String value = context.getProperty("palisade.etc");
        return value != null ? Path.of(value) : context.getDataFile("etc").toPath();
    }

    String name() {
        return state.name();
    }

    /** @return the domain as loaded now, re-reading its files first if they changed since */
    DomainState current() {
        long now = System.nanoTime();
        if (now - lastCheck >= checkIntervalNanos) {
            synchronized (this) {
                if (now - lastCheck >= checkIntervalNanos) {
                    if (DomainLoader.changed(state)) {
                        state = logged(DomainLoader.load(config, etc, clock.instant()), "reloaded after a file change");
                    }
                    lastCheck = System.nanoTime();
                }
            }
        }
        return state;
    }

    private static DomainState logged(DomainState loaded, String what) {
        if (loaded.isDown()) {
            LOG.warn("Trust domain '{}' is DOWN and rejects every chain: {}", loaded.name(), loaded.down());
        } else {
            LOG.info("Trust domain '{}' {}: {} anchor(s), {} intermediate(s), {} CRL(s), revocation {}", loaded.name(), what,
                    loaded.material().anchors.size(), loaded.material().pool.size(), loaded.material().crls.size(),
                    loaded.revocation());
        }
        return loaded;
    }

    @Deactivate
    void deactivate() {
        LOG.info("Trust domain '{}' removed or reconfigured", name());
    }
}
