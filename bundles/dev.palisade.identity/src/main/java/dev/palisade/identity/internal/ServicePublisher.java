package dev.palisade.identity.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.Signer;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Registers {@link Signer} (with {@code palisade.signer.owner=gateway}) and
 * {@link GatewayIdentity} with the framework. DS cannot register a component's service
 * conditionally on something only the component knows (whether the token holds an issued
 * chain), so these two are registered by hand.
 */
final class ServicePublisher implements IdentityPublisher {

    private final BundleContext context;
    private final Signer signer;
    private final GatewayIdentity identity;
    private ServiceRegistration<Signer> signerRegistration;
    private ServiceRegistration<GatewayIdentity> identityRegistration;

    ServicePublisher(BundleContext context, Signer signer, GatewayIdentity identity) {
        this.context = context;
        this.signer = signer;
        this.identity = identity;
    }

    /** @return a factory registering through {@code context} */
    static Factory with(BundleContext context) {
        return (signer, identity) -> new ServicePublisher(context, signer, identity);
    }

    @Override
    public synchronized void publish() {
        if (signerRegistration != null) {
            return;
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(Signer.OWNER, Signer.GATEWAY);
        signerRegistration = context.registerService(Signer.class, signer, properties);
        identityRegistration = context.registerService(GatewayIdentity.class, identity, null);
    }

    @Override
    public synchronized void withdraw() {
        if (signerRegistration == null) {
            return;
        }
        unregister(identityRegistration);
        unregister(signerRegistration);
        signerRegistration = null;
        identityRegistration = null;
    }

    private static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // The bundle is stopping and the framework unregistered it first.
        }
    }
}
