package dev.palisade.identity.internal;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityAdmin;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 */
final class IdentityManager implements IdentityAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityManager.class);

    /** Failures that say the keystore itself is unusable, as opposed to a refused request. */
    private static final Set<Reason> KEYSTORE_FAILURES = EnumSet.of(Reason.TOKEN_ABSENT, Reason.PIN_UNAVAILABLE,
            Reason.WRONG_PIN, Reason.PIN_LOCKED, Reason.TOKEN_ERROR);

    private final KeyStoreBackend backend;
    private final String configuredAlias;
    private final Path aliasFile;
    private final Clock clock;
    private volatile IdentityPublisher publisher = IdentityPublisher.NONE.create(null, null);
    private volatile CurrentKey current;
    private volatile IdentityException failure;
    private volatile boolean opened;

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
        this.aliasFile = stateDirectory.resolve("current-alias");
        this.clock = clock;
    }

    void publishTo(IdentityPublisher target) {
        this.publisher = Objects.requireNonNull(target);
    }

    /** Opens the keystore and reads the current key; failures are kept for the health report and logged once. */
    synchronized void open() {
        try {
            reload();
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
            LOG.warn("Gateway identity unavailable: {}", e.getMessage());
        } finally {
            opened = true;
        }
    }

    /** @return the current key, or {@code null} if there is none or the keystore failed */
    CurrentKey snapshot() {
        return current;
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
            reload();
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
            rememberAlias(alias);
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
            CurrentKey key = requireKey();
            String pem = Certificates.csr(request, key.leaf().getPublicKey(), key.key(), key.type(), backend.signatureProvider());
            LOG.info("Made a certificate request for key '{}' with subject {}", key.alias(), request.subject().getName());
            return pem;
        });
    }

    @Override
    public synchronized IdentityInfo install(List<X509Certificate> chain, X509Certificate root) throws IdentityException {
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(root, "root");
        return guarded(() -> {
            CurrentKey key = requireKey();
            try {
                ChainCheck.check(chain, root, key.leaf().getPublicKey(), key.alias(), Date.from(clock.instant()));
            } catch (IdentityException refused) {
                LOG.warn("Refused a chain for key '{}': {}", key.alias(), refused.getMessage());
                throw refused;
            }
            backend.store(key.alias(), key.key(), chain);
            reload();
            CurrentKey installed = current;
            if (installed == null || !installed.installed()) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the chain was written to " + backend.describe()
                        + " but does not read back under '" + key.alias() + "'");
            }
            LOG.info("Installed the chain of {} for key '{}' (issuer {}, valid until {})",
                    installed.info().subject().getName(), key.alias(), installed.info().issuer().getName(),
                    installed.info().notAfter());
            return installed.info();
        });
    }

    @Override
    public synchronized String rotate(String alias, KeyType type, CsrRequest request) {
        throw new UnsupportedOperationException("key rotation is not implemented yet");
    }

    @Override
    public synchronized Optional<IdentityInfo> current() throws IdentityException {
        return guarded(() -> {
            reload();
            return Optional.ofNullable(current).map(CurrentKey::info);
        });
    }

    @Override
    public Optional<IdentityInfo> pending() {
        return Optional.empty();
    }

    /** Withdraws the services and releases the keystore. */
    synchronized void close() {
        publisher.withdraw();
        current = null;
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

    /** Reads the current key from the keystore and (un)publishes the services to match. */
    private void reload() throws IdentityException {
        try {
            String alias = alias();
            Optional<KeyStoreBackend.Entry> entry = backend.entry(alias);
            CurrentKey key = null;
            if (entry.isPresent()) {
                List<X509Certificate> chain = entry.get().chain();
                X509Certificate leaf = chain.get(0);
                KeyType type = Certificates.keyType(leaf.getPublicKey());
                boolean installed = !(chain.size() == 1 && Certificates.isPlaceholder(leaf));
                IdentityInfo info = new IdentityInfo(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(),
                        leaf.getSerialNumber(), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), type,
                        Certificates.fingerprint(leaf), backend.location(alias), backend.extractable(entry.get().key()),
                        installed);
                key = new CurrentKey(alias, entry.get().key(), chain, type, info);
            }
            current = key;
            failure = null;
        } catch (IdentityException e) {
            if (KEYSTORE_FAILURES.contains(e.reason())) {
                current = null;
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

    private interface Operation<T> {
        T run() throws IdentityException;
    }

    private String alias() throws IdentityException {
        try {
            if (Files.isRegularFile(aliasFile)) {
                String chosen = Files.readString(aliasFile, StandardCharsets.UTF_8).trim();
                if (!chosen.isEmpty()) {
                    return chosen;
                }
            }
            return configuredAlias;
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "cannot read " + aliasFile + ": " + e.getMessage(), e);
        }
    }

    private void rememberAlias(String alias) throws IdentityException {
        try {
            Files.createDirectories(aliasFile.getParent());
            Path temporary = aliasFile.resolveSibling("current-alias.tmp");
            Files.writeString(temporary, alias + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, aliasFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IdentityException(Reason.TOKEN_ERROR, "the key '" + alias + "' was created, but " + aliasFile
                    + " could not be written: " + e.getMessage() + "; set alias=" + alias + " in the configuration", e);
        }
    }
}
