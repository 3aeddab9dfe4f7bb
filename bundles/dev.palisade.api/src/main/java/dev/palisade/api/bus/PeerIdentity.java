package dev.palisade.api.bus;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a device proved about itself in a mutually authenticated TLS handshake with the
 * gateway, as the trust service accepted it. The enrollment bundle attests this in
 * {@code attest} mode. Immutable: the binding is copied in and out.
 *
 * @param chain the chain the device presented, leaf first; never {@code null} or empty
 * @param identity the device identity the trust service derived from the leaf; never {@code null}
 * @param trustDomain the trust domain that accepted the chain; never {@code null}
 * @param verifiedAt when the handshake and the verification took place; never {@code null}
 * @param sessionBinding bytes that bind this identity to that TLS session (as defined in
 *        {@code docs/protocol.md}, e.g. exported keying material); never {@code null}, empty
 *        when the transport offers none
 */
public record PeerIdentity(List<X509Certificate> chain, String identity, String trustDomain, Instant verifiedAt,
        byte[] sessionBinding) {

    /** Validates the fields and copies the chain and the binding. */
    public PeerIdentity {
        chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(verifiedAt, "verifiedAt");
        sessionBinding = Objects.requireNonNull(sessionBinding, "sessionBinding").clone();
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("peer identity '" + identity + "' has an empty chain");
        }
    }

    /** @return a copy of the session binding */
    @Override
    public byte[] sessionBinding() {
        return sessionBinding.clone();
    }

    /** @return identity, domain, time and leaf subject; not the binding's bytes */
    @Override
    public String toString() {
        return "PeerIdentity[" + identity + " in " + trustDomain + " at " + verifiedAt + ", leaf "
                + chain.get(0).getSubjectX500Principal().getName() + "]";
    }
}
