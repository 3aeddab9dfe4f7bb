package dev.palisade.identity.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The gateway's identity on a PKCS#11 token (a TPM 2.0 through tpm2-pkcs11, an HSM, SoftHSM2),
 * configured by {@code etc/dev.palisade.identity.pkcs11.cfg}. Without that file the component
 * stays idle. It registers {@link IdentityAdmin} and the {@code identity} health indicator
 * at once, and the signer and gateway identity once the token holds a key with an issued chain.
 */
@Component(configurationPid = Pkcs11IdentityComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {IdentityAdmin.class, CustodialKeys.class, HealthIndicator.class}, immediate = true)
@Designate(ocd = Pkcs11IdentityComponent.Config.class)
public final class Pkcs11IdentityComponent extends IdentityComponent {

    static final String PID = "dev.palisade.identity.pkcs11";

    @ObjectClassDefinition(name = "Palisade identity on a PKCS#11 token",
            description = "The gateway's private key on a hardware token, reached through the JDK's SunPKCS11 provider.")
    @interface Config {
        @AttributeDefinition(name = "PKCS#11 library",
                description = "Absolute path of the token's PKCS#11 module, e.g. libsofthsm2.so or libtpm2_pkcs11.so.")
        String library();

        @AttributeDefinition(name = "Slot index",
                description = "Index of the token in the module's list of slots that hold a token (0 = the first)."
                        + " Used when slot.label is empty.")
        int slot_index() default 0;

        @AttributeDefinition(name = "Token label",
                description = "Label of the token to use (as given to softhsm2-util --init-token or tpm2_ptool addtoken),"
                        + " looked up among the module's slots at every opening; overrides slot.index. Needs the JVM"
                        + " options of conf/jvm.options that let SunPKCS11's token labels be read.")
        String slot_label() default "";

        @AttributeDefinition(name = "Public key on the token",
                description = "Store the public half of generated keys on the token too. Off by default (the"
                        + " certificate carries it); tpm2-pkcs11 needs it on.")
        boolean public_key_on_token() default false;

        @AttributeDefinition(name = "PIN file",
                description = "File holding the token's user PIN, readable only by the gateway's user (mode 0600)."
                        + " Relative paths resolve against the gateway's etc directory. Set this or pin.env.")
        String pin_file() default "";

        @AttributeDefinition(name = "PIN environment variable",
                description = "Name of an environment variable of the gateway process holding the user PIN. Set this or pin.file.")
        String pin_env() default "";

        @AttributeDefinition(name = "Alias",
                description = "Alias of the gateway's key (the certificate's CKA_LABEL) until palisade:identity init names one.")
        String alias() default "gateway";

        @AttributeDefinition(name = "Expiry warning (days)",
                description = "The identity turns DEGRADED when its certificate expires in fewer days than this.")
        int expiry_warning_days() default 30;

        @AttributeDefinition(name = "Expiry critical (days)",
                description = "Under this many days the warning asks for renewal now.")
        int expiry_critical_days() default 7;

        @AttributeDefinition(name = "Token retry, first delay (seconds)",
                description = "While the token is absent, the first attempt to open it again comes after this delay;"
                        + " each further attempt waits twice as long, up to token.retry.max.seconds.")
        int token_retry_initial_seconds() default 5;

        @AttributeDefinition(name = "Token retry, longest delay (seconds)",
                description = "The longest wait between two attempts to open an absent token.")
        int token_retry_max_seconds() default 60;

        @AttributeDefinition(name = "Token check interval (seconds)",
                description = "While the identity is usable, a signature is made on the token this often to notice a"
                        + " removed token even when only TLS uses the key; 0 turns the check off.")
        int token_check_seconds() default 30;
    }

    /**
     * @param config the typed configuration
     * @param context for the gateway's directories and to register the signer and identity
     */
    @Activate
    public Pkcs11IdentityComponent(Config config, BundleContext context) {
        this(config, IdentityComponent.directory(context, "palisade.etc", "etc"),
                IdentityComponent.directory(context, "palisade.data", "data").resolve("identity/pkcs11"),
                PinSource.systemEnvironment(), ServicePublisher.with(context));
    }

    /**
     * @param config the typed configuration
     * @param etc where relative PIN files resolve
     * @param state where the generated SunPKCS11 configuration and the current alias are kept
     * @param environment reads environment variables
     * @param publishers registers the signer and identity
     */
    Pkcs11IdentityComponent(Config config, Path etc, Path state, Function<String, String> environment,
            IdentityPublisher.Factory publishers) {
        super(new Pkcs11Backend(Path.of(required(config.library())), config.slot_index(), config.slot_label(), config.public_key_on_token(),
                PinSource.of(config.pin_file(), config.pin_env(), etc, environment), state),
                config.alias(), state, config.expiry_warning_days(), config.expiry_critical_days(), publishers,
                Duration.ofSeconds(config.token_retry_initial_seconds()), Duration.ofSeconds(config.token_retry_max_seconds()),
                config.token_check_seconds() > 0 ? Duration.ofSeconds(config.token_check_seconds()) : null);
    }

    private static String required(String library) {
        if (library == null || library.isBlank()) {
            throw new IllegalArgumentException("'library' is not configured: set it to the token's PKCS#11 module,"
                    + " e.g. the libsofthsm2.so of the softhsm2 package");
        }
        return library.trim();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stop();
    }
}
