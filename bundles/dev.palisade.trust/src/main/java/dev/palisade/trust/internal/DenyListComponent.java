package dev.palisade.trust.internal;

import java.time.Instant;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's deny-list, {@code etc/dev.palisade.trust.denylist.cfg}. Changes are applied in
 * place ({@code @Modified}): the trust service reads {@link #current()} on every request and
 * compares it with the one a cached verdict was computed with, so an entry takes effect on the
 * very next request, cached or not.
 *
 * <p>An entry that cannot be read makes the whole list unusable and every domain rejects
 * everything until it is fixed: ignoring it could let through the very certificate the operator
 * meant to refuse.
 */
@Component(configurationPid = DenyListComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = DenyListComponent.class, immediate = true)
@Designate(ocd = DenyListComponent.Config.class)
public final class DenyListComponent {

    static final String PID = "dev.palisade.trust.denylist";

    private static final Logger LOG = LoggerFactory.getLogger(DenyListComponent.class);

    @ObjectClassDefinition(name = "Palisade trust deny-list",
            description = "Certificates refused in every trust domain, whatever their chain.")
    @interface Config {
        @AttributeDefinition(name = "Fingerprints", required = false,
                description = "SHA-256 fingerprints of certificates' DER (64 hex digits, colons allowed), comma-separated.")
        String[] fingerprints() default {};

        @AttributeDefinition(name = "Issuer and serial", required = false,
                description = "Entries '<serial in hex>/<issuer DN>', separated by ';' (a DN holds commas).")
        String[] issuer_serials() default {};
    }

    /**
     * The list in force, or why there is none.
     *
     * @param list the parsed list; {@link DenyList#EMPTY} when broken
     * @param broken why the configuration cannot be read, or null
     * @param changedAt when it was applied
     */
    record State(DenyList list, String broken, Instant changedAt) {
    }

    private volatile State state;

    /** @param config the typed configuration */
    @Activate
    public DenyListComponent(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        State next;
        try {
            DenyList list = DenyList.parse(DomainLoader.values(config.fingerprints()).toArray(new String[0]),
                    DenyList.splitEntries(config.issuer_serials()));
            next = new State(list, null, Instant.now());
            LOG.info("Trust deny-list updated: {} entr{}", list.size(), list.size() == 1 ? "y" : "ies");
        } catch (IllegalArgumentException e) {
            next = new State(DenyList.EMPTY, e.getMessage(), Instant.now());
            LOG.warn("Trust deny-list is unreadable, every trust domain rejects every chain until it is fixed: {}",
                    e.getMessage());
        }
        state = next;
    }

    State current() {
        return state;
    }
}
