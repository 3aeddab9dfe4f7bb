package dev.palisade.identity.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityAdmin;
import java.nio.file.Path;
import java.util.function.Function;
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
 * The gateway's identity in a PKCS#12 file, for development and demos where no token is at
 * hand, configured by {@code etc/dev.palisade.identity.pkcs12.cfg}. The key is software: it says
 * so with a WARNING at every start.
 */
@Component(configurationPid = Pkcs12IdentityComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {IdentityAdmin.class, CustodialKeys.class, HealthIndicator.class}, immediate = true)
@Designate(ocd = Pkcs12IdentityComponent.Config.class)
public final class Pkcs12IdentityComponent extends IdentityComponent {

    static final String PID = "dev.palisade.identity.pkcs12";

    private static final Logger LOG = LoggerFactory.getLogger(Pkcs12IdentityComponent.class);

    @ObjectClassDefinition(name = "Palisade identity in a PKCS#12 file (development only)",
            description = "The gateway's private key in a password-protected file. Not hardware-protected.")
    @interface Config {
        @AttributeDefinition(name = "Keystore file",
                description = "The PKCS#12 file; created by palisade:identity init. Relative paths resolve against"
                        + " the gateway's data directory.")
        String file() default "identity/gateway.p12";

        @AttributeDefinition(name = "PIN file",
                description = "File holding the keystore's password, readable only by the gateway's user (mode 0600)."
                        + " Relative paths resolve against the gateway's etc directory. Set this or pin.env.")
        String pin_file() default "";

        @AttributeDefinition(name = "PIN environment variable",
                description = "Name of an environment variable of the gateway process holding the password. Set this or pin.file.")
        String pin_env() default "";

        @AttributeDefinition(name = "Alias", description = "Alias of the gateway's key until palisade:identity init names one.")
        String alias() default "gateway";

        @AttributeDefinition(name = "Expiry warning (days)",
                description = "The identity turns DEGRADED when its certificate expires in fewer days than this.")
        int expiry_warning_days() default 30;

        @AttributeDefinition(name = "Expiry critical (days)",
                description = "Under this many days the warning asks for renewal now.")
        int expiry_critical_days() default 7;
    }

    /**
     * @param config the typed configuration
     * @param context for the gateway's directories and to register the signer and identity
     */
    @Activate
    public Pkcs12IdentityComponent(Config config, BundleContext context) {
        this(config, IdentityComponent.directory(context, "palisade.etc", "etc"),
                IdentityComponent.directory(context, "palisade.data", "data"),
                PinSource.systemEnvironment(), ServicePublisher.with(context));
    }

    /**
     * @param config the typed configuration
     * @param etc where relative PIN files resolve
     * @param data where a relative keystore file resolves; the current alias is kept in its identity/pkcs12 folder
     * @param environment reads environment variables
     * @param publishers registers the signer and identity
     */
    Pkcs12IdentityComponent(Config config, Path etc, Path data, Function<String, String> environment,
            IdentityPublisher.Factory publishers) {
        super(warned(new Pkcs12Backend(data.resolve(config.file()),
                PinSource.of(config.pin_file(), config.pin_env(), etc, environment))),
                config.alias(), data.resolve("identity/pkcs12"), config.expiry_warning_days(),
                config.expiry_critical_days(), publishers, null, null, null); // a file does not come and go like a token
    }

    private static Pkcs12Backend warned(Pkcs12Backend backend) {
        LOG.warn("The gateway key in {} is NOT hardware-protected: the PKCS#12 backend is for development only."
                + " Use a PKCS#11 token (dev.palisade.identity.pkcs11) on a production gateway", backend.describe());
        return backend;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stop();
    }
}
