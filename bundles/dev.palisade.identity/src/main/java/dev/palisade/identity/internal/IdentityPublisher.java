package dev.palisade.identity.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.Signer;

/**
 * Makes the gateway's {@link Signer} and {@link GatewayIdentity} available while the identity is
 * usable (a key with an installed chain), and withdraws them when it is not. Both calls are
 * idempotent and may come from any thread.
 */
interface IdentityPublisher {

    /** Registers the services unless they are registered. */
    void publish();

    /** Unregisters the services if they are registered. */
    void withdraw();

    /** Creates the publisher for a component's signer and identity. */
    interface Factory {
        IdentityPublisher create(Signer signer, GatewayIdentity identity);
    }

    /** Publishes nothing: for components used as plain objects, without a framework. */
    Factory NONE = (signer, identity) -> new IdentityPublisher() {
        @Override
        public void publish() {
        }

        @Override
        public void withdraw() {
        }
    };
}
