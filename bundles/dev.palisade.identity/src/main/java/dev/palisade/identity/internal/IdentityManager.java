package dev.palisade.identity.internal;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityAdmin;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's identity on one keystore: provisioning ({@link IdentityAdmin}) and the current
 * key that the signer and the TLS key manager use.
 *
 * <p>Operations are serialised ({@code synchronized}); {@link #snapshot()} and
 * {@link #failure()} answer from memory for any thread. Which alias is the gateway's key is
 * kept in a small file next to the component's other state, written when {@code init} creates
 * the key; before that, the configured alias is used, so a key provisioned with the token's own
 * tools is found by configuring its alias.
 *
 * <p>Rotation: {@code rotate} generates a pending key under a new alias beside the current one
 * and records it ({@link AliasMarkers#PENDING}). Installing a chain for the pending key switches
 * in this order, each step durable before the next: record the current alias as old, record the
 * pending alias as current, forget the pending marker, publish the new key with one volatile
 * write (the signer and key manager read one immutable {@link CurrentKey}, so no reader sees a
 * half-switched identity), wait until no signature started with the old key is still running,
 * destroy the old key, forget the old marker. {@link #open()} finishes a rotation a crash
 * interrupted: a pending key that already has its chain is switched to, and an old key that is
 * no longer current is destroyed.
 */
final class IdentityManager implements IdentityAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityManager.class);

    /** Failures that say the keystore itself is unusable, as opposed to a refused request. */
    private static final Set<Reason> KEYSTORE_FAILURES = EnumSet.of(Reason.TOKEN_ABSENT, Reason.PIN_UNAVAILABLE,
            Reason.WRONG_PIN, Reason.PIN_LOCKED, Reason.TOKEN_ERROR);

    private final KeyStoreBackend backend;
    private final String configuredAlias;
    private final AliasMarkers markers;
    private final Clock clock;
    /** Signatures hold the read lock; destroying a replaced key waits for the write lock. Fair, so that it is not starved. */
    private final ReentrantReadWriteLock keyUse = new ReentrantReadWriteLock(true);
    private volatile IdentityPublisher publisher = IdentityPublisher.NONE.create(null, null);
    private volatile CurrentKey current;
    private volatile CurrentKey pending;
    private volatile IdentityException failure;
    private volatile boolean opened;
    private String lastFailureLogged;

    /**
     * @param backend the keystore
     * @param configuredAlias the alias used until {@code init} names another
     * @param stateDirectory where the chosen alias is remembered (created when needed)
     * @param clock the time chains are validated at
     */
    IdentityManager(KeyStoreBackend backend, String configuredAlias, Path stateDirectory, Clock clock) {
        this.backend = Objects.requireNonNull(backend);
        if (configuredAlias == null || configuredAlias.isBlank()) {
            throw new IllegalArgumentException("alias must not be blank");
        }
        this.configuredAlias = configuredAlias.trim();
        this.markers = new AliasMarkers(stateDirectory);
        this.clock = clock;
    }

    /** @return held (read) by every signature with the current key, so that a replaced key is destroyed only after its last use */
    Lock keyUse() {
        return keyUse.readLock();
    }

    void publishTo(IdentityPublisher target) {
        this.publisher = Objects.requireNonNull(target);
    }

    /**
     * Opens the keystore, reads the current key and finishes an interrupted rotation. Failures
     * are kept for the health report and logged once per distinct failure, so that retrying an
     * absent token does not repeat the same line.
     */
    synchronized void open() {
        try {
            reload();
            finishRotation();
            lastFailureLogged = null;
            CurrentKey key = current;
            if (key == null) {
                LOG.warn("No gateway key '{}' in {}: run palisade:identity init", alias(), backend.describe());
            } else if (!key.installed()) {
                LOG.warn("Gateway key '{}' in {} has no issued chain yet: run palisade:identity csr, then install",
                        key.alias(), backend.describe());
            } else {
                LOG.info("Gateway identity {} ({} key '{}' in {}, valid until {})", key.info().subject().getName(),
                        key.type(), key.alias(), backend.describe(), key.info().notAfter());
            }
        } catch (IdentityException e) {
            if (e.reason() == Reason.TOKEN_ABSENT || e.reason() == Reason.TOKEN_ERROR) {
                // Start afresh at the next attempt: a new provider sees a token that appeared meanwhile.
                backend.close();
            }
            if (!e.getMessage().equals(lastFailureLogged)) {
                lastFailureLogged = e.getMessage();
                LOG.warn("Gateway identity unavailable: {}", e.getMessage());
            }
        } finally {
            opened = true;
        }
    }

    /**
     * The token went away while in use: drops the key, withdraws the services and releases the
     * keystore, so that the next {@link #open()} starts afresh.
     *
     * @return {@code false} if the loss was already known
     */
    synchronized boolean tokenLost(IdentityException cause) {
        if (current == null && failure != null && failure.reason() == Reason.TOKEN_ABSENT) {
            return false;
        }
        failure = cause;
        current = null;
        pending = null;
        publisher.withdraw();
        backend.close();
        lastFailureLogged = cause.getMessage();
        LOG.warn("Gateway identity lost, looking for the token again: {}", cause.getMessage());
        return true;
    }

    /** @return the current key, or {@code null} if there is none or the keystore failed */
    CurrentKey snapshot() {
        return current;
    }

    /** @return the pending key of a rotation, or {@code null} */
    CurrentKey pendingSnapshot() {
        return pending;
    }

    /** @return why the keystore is unusable, or {@code null} */
    IdentityException failure() {
        return failure;
    }

    /** @return {@code false} until {@link #open()} finished its first attempt */
    boolean opened() {
        return opened;
    }

    /** @return the keystore's description */
    String describe() {
        return backend.describe();
    }

    @Override
    public synchronized IdentityInfo init(String alias, KeyType type) throws IdentityException {
        Objects.requireNonNull(type, "type");
        if (alias == null || alias.isBlank()) {
            throw new IllegalArgumentException("alias must not be blank");
        }
        return guarded(() -> {
            reload(false);
            CurrentKey existing = current;
            if (existing != null) {
                throw new IdentityException(Reason.KEY_EXISTS, "the gateway already has key '" + existing.alias() + "' in "
                        + backend.describe() + "; it is never overwritten (rotation replaces a key)");
            }
            if (backend.contains(alias)) {
                throw new IdentityException(Reason.KEY_EXISTS, "alias '" + alias + "' is already used in "
                        + backend.describe() + "; choose another alias");
            }
            KeyPair pair = backend.generate(type);
            X509Certificate placeholder = Certificates.placeholder(alias, pair.getPublic(), pair.getPrivate(), type,
                    backend.signatureProvider());
            backend.store(alias, pair.getPrivate(), List.of(placeholder));
            try {
                markers.write(AliasMarkers.CURRENT, alias);
            } catch (IdentityException e) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the key '" + alias + "' was created, but "
                        + e.getMessage() + "; set alias=" + alias + " in the configuration", e);
            }
            reload();
            CurrentKey created = current;
            if (created == null) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the key stored under '" + alias + "' in "
                        + backend.describe() + " cannot be read back");
            }
            LOG.info("Generated {} key '{}' in {} ({})", type, alias, backend.describe(),
                    created.info().extractable() ? "EXTRACTABLE" : "not extractable");
            return created.info();
        });
    }

    @Override
    public synchronized String csr(CsrRequest request) throws IdentityException {
        Objects.requireNonNull(request, "request");
        return guarded(() -> {
            requireKey();
            CurrentKey key = pending != null ? pending : current;
            return csrFor(key, request);
        });
    }

    @Override
    public synchronized IdentityInfo install(List<X509Certificate> chain, X509Certificate root) throws IdentityException {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(root, "root");
        return guarded(() -> {
            CurrentKey key = requireKey();
            CurrentKey next = pending;
            CurrentKey target;
            try {
                target = ChainCheck.target(chain, key, next);
                ChainCheck.check(chain, root, target.leaf().getPublicKey(), target.alias(), Date.from(clock.instant()));
            } catch (IdentityException refused) {
                LOG.warn("Refused a chain: {}", refused.getMessage());
                throw refused;
            }
            boolean forPending = target == next;
            backend.store(target.alias(), target.key(), chain);
            if (forPending) {
                switchTo(next.alias());
            } else {
                reload();
            }
            CurrentKey installed = current;
            if (installed == null || !installed.installed() || !installed.alias().equals(target.alias())) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the chain was written to " + backend.describe()
                        + " but does not read back under '" + target.alias() + "'");
            }
            LOG.info("Installed the chain of {} for key '{}' (issuer {}, valid until {})",
                    installed.info().subject().getName(), target.alias(), installed.info().issuer().getName(),
                    installed.info().notAfter());
            if (forPending) {
                destroyOld();
            }
            return installed.info();
        });
    }

    @Override
    public synchronized String rotate(String alias, KeyType type, CsrRequest request) throws IdentityException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(request, "request");
        if (alias == null || alias.isBlank()) {
            throw new IllegalArgumentException("alias must not be blank");
        }
        String newAlias = alias.trim();
        return guarded(() -> {
            CurrentKey key = requireKey();
            if (!key.installed()) {
                throw new IdentityException(Reason.NO_KEY, "key '" + key.alias() + "' has no issued chain yet, so there is"
                        + " no identity to rotate: run palisade:identity csr, then install");
            }
            CurrentKey replaced = pending;
            boolean reusesPendingAlias = replaced != null && replaced.alias().equals(newAlias);
            if (newAlias.equals(key.alias()) || (!reusesPendingAlias && backend.contains(newAlias))) {
                throw new IdentityException(Reason.KEY_EXISTS, "alias '" + newAlias + "' is already used in "
                        + backend.describe() + "; choose another alias for the new key");
            }
            if (replaced != null) {
                backend.delete(replaced.alias());
                markers.remove(AliasMarkers.PENDING);
                LOG.info("Destroyed pending key '{}' in {}: a new rotation replaces it", replaced.alias(), backend.describe());
            }
            // The marker goes first: a crash after the key is generated must not leave an orphan key nobody knows of.
            markers.write(AliasMarkers.PENDING, newAlias);
            KeyPair pair = backend.generate(type);
            X509Certificate placeholder = Certificates.placeholder(newAlias, pair.getPublic(), pair.getPrivate(), type,
                    backend.signatureProvider());
            backend.store(newAlias, pair.getPrivate(), List.of(placeholder));
            reload();
            CurrentKey created = pending;
            if (created == null) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the key stored under '" + newAlias + "' in "
                        + backend.describe() + " cannot be read back");
            }
            LOG.info("Rotation started: generated {} key '{}' in {} beside '{}', which stays in use until the new chain is installed",
                    type, newAlias, backend.describe(), key.alias());
            return csrFor(created, request);
        });
    }

    @Override
    public synchronized Optional<IdentityInfo> current() throws IdentityException {
        return guarded(() -> {
            reload();
            return Optional.ofNullable(current).map(CurrentKey::info);
        });
    }

    @Override
    public synchronized Optional<IdentityInfo> pending() throws IdentityException {
        return guarded(() -> {
            reload();
            return Optional.ofNullable(pending).map(CurrentKey::info);
        });
    }

    /** Withdraws the services and releases the keystore. */
    synchronized void close() {
        publisher.withdraw();
        current = null;
        pending = null;
        backend.close();
    }

    private CurrentKey requireKey() throws IdentityException {
        reload();
        CurrentKey key = current;
        if (key == null) {
            throw new IdentityException(Reason.NO_KEY, "there is no gateway key '" + alias() + "' in "
                    + backend.describe() + ": run palisade:identity init first");
        }
        return key;
    }

    /** Reads the current and pending keys from the keystore and (un)publishes the services to match. */
    private void reload() throws IdentityException {
        reload(true);
    }

    /**
     * @param requireRecorded whether a key that {@code init} recorded must be on the token. It
     *        must, except for {@code init} itself: a recorded key that is missing means the token
     *        was removed or replaced (SoftHSM2 shows a token whose object files vanished as an
     *        empty token), which is {@code TOKEN_ABSENT} and retried, never "run init", which
     *        would invite an operator to replace the gateway's identity by mistake.
     */
    private void reload(boolean requireRecorded) throws IdentityException {
        try {
            Optional<String> recorded = markers.read(AliasMarkers.CURRENT);
            String alias = recorded.orElse(configuredAlias);
            CurrentKey key = CurrentKey.read(backend, alias);
            if (key == null && recorded.isPresent() && requireRecorded) {
                throw new IdentityException(Reason.TOKEN_ABSENT, "the gateway key '" + alias + "' is not in "
                        + backend.describe() + " any more: the token was removed or replaced. The identity comes back"
                        + " when the token does; if it was replaced on purpose, run palisade:identity init");
            }
            String pendingAlias = markers.read(AliasMarkers.PENDING).filter(p -> !p.equals(alias)).orElse(null);
            pending = pendingAlias != null ? CurrentKey.read(backend, pendingAlias) : null;
            current = key;
            failure = null;
        } catch (IdentityException e) {
            if (KEYSTORE_FAILURES.contains(e.reason())) {
                current = null;
                pending = null;
                failure = e;
            }
            throw e;
        } finally {
            CurrentKey key = current;
            if (key != null && key.installed()) {
                publisher.publish();
            } else {
                publisher.withdraw();
            }
        }
    }

    /** Makes {@code newAlias} the gateway's key; see the class comment for the order of the steps. */
    private void switchTo(String newAlias) throws IdentityException {
        markers.write(AliasMarkers.OLD, alias());
        markers.write(AliasMarkers.CURRENT, newAlias);
        markers.remove(AliasMarkers.PENDING);
        reload();
        LOG.info("Switched the gateway identity to key '{}' in {}", newAlias, backend.describe());
    }

    /** Destroys the replaced key once no signature started with it is still running. */
    private void destroyOld() throws IdentityException {
        Optional<String> old = markers.read(AliasMarkers.OLD);
        if (old.isEmpty()) {
            return;
        }
        if (!old.get().equals(alias())) {
            // Every signature that took the old key holds the read lock; later ones see the new key.
            keyUse.writeLock().lock();
            keyUse.writeLock().unlock();
            backend.delete(old.get());
            LOG.info("Destroyed the replaced key '{}' in {}", old.get(), backend.describe());
        }
        markers.remove(AliasMarkers.OLD);
    }

    /** Completes a rotation that a stop or crash interrupted (see the class comment). */
    private void finishRotation() throws IdentityException {
        CurrentKey next = pending;
        if (next != null && next.installed()) {
            LOG.info("Finishing an interrupted rotation: key '{}' already has its chain", next.alias());
            switchTo(next.alias());
        } else if (next == null && markers.read(AliasMarkers.PENDING).isPresent()) {
            markers.remove(AliasMarkers.PENDING); // the key was never stored, or it became current
        }
        destroyOld();
    }

    private String csrFor(CurrentKey key, CsrRequest request) throws IdentityException {
        String pem = Certificates.csr(request, key.leaf().getPublicKey(), key.key(), key.type(), backend.signatureProvider());
        LOG.info("Made a certificate request for key '{}' with subject {}", key.alias(), request.subject().getName());
        return pem;
    }

    /** Runs an operation; a failure of the keystore itself becomes the health report's reason. */
    private <T> T guarded(Operation<T> operation) throws IdentityException {
        try {
            return operation.run();
        } catch (IdentityException e) {
            if (KEYSTORE_FAILURES.contains(e.reason())) {
                failure = e;
            }
            throw e;
        }
    }

    /**
     * Runs an operation on the keystore under this manager's lock (the keystore is not
     * thread-safe), opening it if needed: used by {@link CustodialKeyStore}, whose keys share
     * the gateway's token.
     */
    synchronized <T> T onKeystore(Operation<T> operation) throws IdentityException {
        return guarded(() -> {
            backend.open();
            return operation.run();
        });
    }

    KeyStoreBackend backend() {
        return backend;
    }

    interface Operation<T> {
        T run() throws IdentityException;
    }

    private String alias() throws IdentityException {
        return markers.read(AliasMarkers.CURRENT).orElse(configuredAlias);
    }
}
