package dev.palisade.hub.registry;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The hub's enrollment state (docs/protocol.md §4–§5): open challenges and parent–child
 * relations. Like {@link HubRegistry}: every method one transaction, safe across threads and
 * processes, nothing cached — so any hub node can answer a proof for a challenge another issued,
 * and a restarted hub still knows its challenges. The batch methods take a whole request or proof
 * in one transaction (one commit, one disk sync, instead of one per child).
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
     * A parent–child relation as recorded; {@code leaf} is the child certificate's DER.
     *
     * @param ca the thumbprint of the verified CA the child's chain led to when it was enrolled,
     *        or null (a registered self-signed device, or a relation recorded before this column
     *        existed): while that CA is not verified (disabled, removed) the relation is suspended
     * @param notAfter the leaf certificate's notAfter, or null if not recorded: after it the
     *        child-topic rule refuses the child's telemetry
     */
    record ChildRecord(String child, String gateway, String mode, byte[] leaf, Instant enrolled, String ca,
            Instant notAfter) {
        /** A relation without CA or expiry (tests, benchmarks). */
        public ChildRecord(String child, String gateway, String mode, byte[] leaf, Instant enrolled) {
            this(child, gateway, mode, leaf, enrolled, null, null);
        }
    }

    /**
     * What the child-topic rule needs of a relation (docs/protocol.md §11).
     *
     * @param gateway the parent
     * @param ca the thumbprint of the CA the relation depends on, or null
     * @param notAfter the leaf's notAfter, or null
     */
    record Relation(String gateway, String ca, Instant notAfter) {
    }

    /** @return the child's relation, if it is enrolled */
    Optional<Relation> relationOf(String child) throws RegistryException;

    /**
     * Fixes (or, with a null gateway, clears) the one gateway that may enroll a registered
     * device as its child ({@code palisade-hub device add --parent}, docs/hub.md).
     */
    void setDeviceParent(String device, String gateway) throws RegistryException;

    /** @return every device's fixed parent gateway, by device id */
    java.util.Map<String, String> deviceParents() throws RegistryException;

    /**
     * Which gateways may parent children whose chain leads to one CA ({@code palisade-hub ca
     * parents}, docs/hub.md). A CA without a policy has the default: only gateways whose own
     * certificate leads to the same CA, every mode.
     *
     * @param caThumbprint the CA's thumbprint
     * @param gateways the gateway ids allowed, or null for "any gateway whose certificate leads to this CA"
     * @param attest whether the attest mode is accepted for its children
     */
    record ParentPolicy(String caThumbprint, java.util.Set<String> gateways, boolean attest) {
    }

    /** Sets (replaces) the parent policy of one CA. */
    void setParentPolicy(ParentPolicy policy) throws RegistryException;

    /** @return every CA's explicit parent policy, by CA thumbprint */
    java.util.Map<String, ParentPolicy> parentPolicies() throws RegistryException;

    /** A certificate an operator revoked ({@code palisade-hub ca revoke-cert}). */
    record RevokedCertificate(String thumbprint, String subject, String issuer, String serial, Instant revoked) {
    }

    /** Which challenge a proof names. */
    record ProofKey(byte[] enrollment, String child) {
    }

    /**
     * Records new challenges of one gateway in one transaction, each voiding any open one for the
     * same gateway and child, and purges challenges that expired before {@code purgeBefore}.
     */
    void openChallenges(List<Challenge> challenges, Instant purgeBefore) throws RegistryException;

    /** {@link #openChallenges} for one challenge. */
    default void openChallenge(Challenge challenge, Instant purgeBefore) throws RegistryException {
        openChallenges(List.of(challenge), purgeBefore);
    }

    /**
     * Atomically marks each challenge used if it is open (whatever its expiry: the caller judges
     * that with the returned record, and an expired challenge must not be usable later either).
     * One transaction for the batch; a key named twice is consumed once (the second is
     * {@link Consumption#ALREADY_USED}).
     *
     * @return one outcome per key, in order
     */
    List<Consumed> consumeAll(String gateway, List<ProofKey> keys) throws RegistryException;

    /** {@link #consumeAll} for one challenge. */
    default Consumed consume(byte[] enrollment, String gateway, String child) throws RegistryException {
        return consumeAll(gateway, List.of(new ProofKey(enrollment, child))).get(0);
    }

    /** @return the gateway that is the child's parent */
    Optional<String> parentOf(String child) throws RegistryException;

    /**
     * Records {@code gateway} as the parent of each child, in one transaction, unless another
     * gateway is (that child is left as it is).
     *
     * @return per child, in order: false if another gateway is its parent
     */
    List<Boolean> recordChildren(String gateway, List<ChildRecord> children) throws RegistryException;

    /**
     * Records {@code gateway} as the child's parent, unless another gateway is.
     *
     * @return false if another gateway is the parent (nothing changed)
     */
    default boolean recordChild(String gateway, String child, String mode, byte[] leaf, Instant at) throws RegistryException {
        return recordChildren(gateway, List.of(new ChildRecord(child, gateway, mode, leaf, at))).get(0);
    }

    /** @return false if {@code gateway} was not the child's parent */
    boolean removeChild(String gateway, String child) throws RegistryException;

    /** Removes the child whoever its parent is (the operator's {@code child remove}). @return the removed relation */
    Optional<ChildRecord> removeChild(String child) throws RegistryException;

    /** @return every child, or only those of {@code gateway} if not null, ordered by child id */
    List<ChildRecord> listChildren(String gateway) throws RegistryException;

    /**
     * Records a revoked certificate and, in the same transaction, removes every child enrolled
     * with it as its leaf certificate.
     *
     * @return the children so unenrolled
     * @throws RegistryException CONFLICT if it is already revoked
     */
    List<ChildRecord> revoke(RevokedCertificate certificate) throws RegistryException;

    /** @return the thumbprints (lowercase hex SHA-256 of the DER) among these that are revoked */
    java.util.Set<String> revokedAmong(List<String> thumbprints) throws RegistryException;

    /** @return every revoked certificate, oldest first */
    List<RevokedCertificate> listRevoked() throws RegistryException;

    /**
     * A number that changes when another connection (another hub process, the admin commands)
     * committed a change to the database; a cache of this store's answers is valid while it stays.
     */
    long externalChanges() throws RegistryException;

    @Override
    void close();
}
