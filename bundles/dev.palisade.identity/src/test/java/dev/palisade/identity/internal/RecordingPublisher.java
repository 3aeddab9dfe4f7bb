package dev.palisade.identity.internal;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.Signer;

/** Records whether the component would have its signer and identity registered. */
final class RecordingPublisher implements IdentityPublisher.Factory {

    volatile boolean published;
    volatile Signer signer;
    volatile GatewayIdentity identity;

    @Override
    public IdentityPublisher create(Signer signer, GatewayIdentity identity) {
        this.signer = signer;
        this.identity = identity;
        return new IdentityPublisher() {
            @Override
            public void publish() {
                published = true;
            }

            @Override
            public void withdraw() {
                published = false;
            }
        };
    }
}
