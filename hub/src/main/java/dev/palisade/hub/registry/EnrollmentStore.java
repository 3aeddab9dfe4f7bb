package dev.palisade.hub.registry;

import java.time.Instant;
import java.util.Optional;

/**
 * The hub's enrollment state (docs/protocol.md §4–§5): open challenges and parent–child
 * relations. Like {@link HubRegistry}: every method one transaction, safe across threads and
 * processes, nothing cached — so any hub node can answer a proof for a challenge another issued,
 * and a restarted hub still knows its challenges.
 */
public interface EnrollmentStore extends AutoCloseable {

    /** A challenge as recorded: what the proof is checked against; {@code chain} is the
     * request's chain, each certificate as a 4-byte big-endian length and its DER. */
    record Challenge(byte[] enrollment, String gateway, String child, String mode, byte[] nonce, byte[] chain,
            Instant expires) {
    }

    /** The outcome of consuming a challenge. */
    enum Consumption {
        /** This call consumed it. */
        CONSUMED,
        /** An earlier proof consumed it. */
        ALREADY_USED,
        /** No challenge with that id for that gateway and child. */
        UNKNOWN
    }

    /** What {@link #consume} found. */
    record Consumed(Consumption outcome, Challenge challenge) {
    }

    /**
     * Records a new challenge, voiding any open one for the same gateway and child, and purges
     * challenges that expired before {@code purgeBefore}.
     */
    void openChallenge(Challenge challenge, Instant purgeBefore) throws RegistryException;

    /**
     * Atomically marks the challenge used if it is open (whatever its expiry: the caller judges
     * that with the returned record, and an expired challenge must not be usable later either).
     */
    Consumed consume(byte[] enrollment, String gateway, String child) throws RegistryException;

    /** @return the gateway that is the child's parent */
    Optional<String> parentOf(String child) throws RegistryException;

    /**
     * Records {@code gateway} as the child's parent, unless another gateway is.
     *
     * @return false if another gateway is the parent (nothing changed)
     */
    boolean recordChild(String gateway, String child, String mode, byte[] leaf, Instant at) throws RegistryException;

    /** @return false if {@code gateway} was not the child's parent */
    boolean removeChild(String gateway, String child) throws RegistryException;

    @Override
    void close();
}
