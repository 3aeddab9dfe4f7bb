package dev.palisade.identity.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityAdmin;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;

/**
 * What both keystore components share: the {@link IdentityManager}, its signer, key manager and
 * health report, and the first opening of the keystore, which runs on the component's own thread
 * because a token may take seconds to answer (or hang) and component activation must not wait
 * for it. The thread is stopped when the component is deactivated.
 */
abstract class IdentityComponent implements IdentityAdmin, HealthIndicator {

    private final IdentityManager manager;
    private final IdentityHealth health;
    private final TokenSigner signer;
    private final TokenGatewayIdentity identity;
    private final ExecutorService opener;
    private final Future<?> opened;

    IdentityComponent(KeyStoreBackend backend, String alias, Path stateDirectory, int warningDays, int criticalDays,
            IdentityPublisher.Factory publishers) {
        this.manager = new IdentityManager(backend, alias, stateDirectory, Clock.systemUTC());
        this.health = new IdentityHealth(warningDays, criticalDays);
        this.signer = new TokenSigner(manager::snapshot, backend::signatureProvider, manager.keyUse());
        this.identity = new TokenGatewayIdentity(manager::snapshot);
        manager.publishTo(publishers.create(signer, identity));
        this.opener = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "palisade-identity-open");
            thread.setDaemon(true);
            return thread;
        });
        this.opened = opener.submit(manager::open);
        opener.shutdown();
    }

    /** @return completes when the first opening of the keystore has finished (for tests) */
    final Future<?> opened() {
        return opened;
    }

    /** @return the key last read from the keystore, or {@code null} */
    final CurrentKey currentKey() {
        return manager.snapshot();
    }

    final TokenSigner signer() {
        return signer;
    }

    final TokenGatewayIdentity identity() {
        return identity;
    }

    /** Waits briefly for the opening thread, then withdraws the services and closes the keystore. */
    final void stop() throws InterruptedException {
        opener.shutdownNow();
        opener.awaitTermination(10, TimeUnit.SECONDS);
        manager.close();
    }

    @Override
    public final HealthReport health() {
        try {
            return health.report(manager, signer.metrics(), Clock.systemUTC().instant());
        } catch (RuntimeException e) {
            return HealthReport.of(IdentityHealth.COMPONENT, dev.palisade.api.health.Health.UNKNOWN,
                    "cannot determine the identity's state: " + e);
        }
    }

    @Override
    public final IdentityInfo init(String alias, KeyType type) throws IdentityException {
        return manager.init(alias, type);
    }

    @Override
    public final String csr(CsrRequest request) throws IdentityException {
        return manager.csr(request);
    }

    @Override
    public final IdentityInfo install(List<X509Certificate> chain, X509Certificate root) throws IdentityException {
        return manager.install(chain, root);
    }

    @Override
    public final String rotate(String alias, KeyType type, CsrRequest request) throws IdentityException {
        return manager.rotate(alias, type, request);
    }

    @Override
    public final Optional<IdentityInfo> current() throws IdentityException {
        return manager.current();
    }

    @Override
    public final Optional<IdentityInfo> pending() throws IdentityException {
        return manager.pending();
    }

    /** Where relative paths of the configuration resolve: the gateway's directories, else the bundle's storage. */
    static Path directory(BundleContext context, String property, String fallback) {
        String value = context.getProperty(property);
        return value != null ? Path.of(value) : context.getDataFile(fallback).toPath();
    }
}
