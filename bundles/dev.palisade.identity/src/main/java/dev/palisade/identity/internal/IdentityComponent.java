package dev.palisade.identity.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityAdmin;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.Signer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import dev.palisade.api.identity.IdentityException.Reason;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both keystore components share: the {@link IdentityManager}, its signer, key manager and
 * health report, and the opening of the keystore, which runs on the component's own thread
 * because a token may take seconds to answer (or hang) and component activation must not wait
 * for it.
 *
 * <p>While the token is absent ({@code TOKEN_ABSENT}: at boot, or lost while signing) the same
 * thread tries to open it again, first after {@code retryInitial}, then at doubling intervals up
 * to {@code retryMax}, so that the gateway recovers without a restart when the token appears.
 * It never retries after any other failure: a refused PIN in particular is presented again only
 * when an operator command runs after its source changed ({@link PinGuard}), never on a
 * schedule. While the identity is usable, the same thread signs a probe every
 * {@code tokenCheck}, so that a token removed while running is noticed even if only TLS
 * handshakes (which fail inside the JSSE, out of this bundle's sight) used it. The thread is
 * stopped when the component is deactivated.
 */
abstract class IdentityComponent implements IdentityAdmin, CustodialKeys, HealthIndicator {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityComponent.class);

    private final IdentityManager manager;
    private final IdentityHealth health;
    private final TokenSigner signer;
    private final TokenGatewayIdentity identity;
    private final CustodialKeyStore custodial;
    private final ScheduledExecutorService opener;
    private final Future<?> opened;
    private final Duration retryInitial;
    private final Duration retryMax;
    /** Touched only on the opener thread. */
    private Duration nextRetry;
    /** Since the token was lost while in use, until it opens again; touched only on the opener thread. */
    private boolean recovering;
    private final AtomicBoolean retryScheduled = new AtomicBoolean();

    /**
     * @param retryInitial first delay before opening an absent token again; {@code null} never retries
     * @param retryMax longest delay between attempts
     * @param tokenCheck how often a usable token is probed with a signature; {@code null} never
     */
    IdentityComponent(KeyStoreBackend backend, String alias, Path stateDirectory, int warningDays, int criticalDays,
            IdentityPublisher.Factory publishers, Duration retryInitial, Duration retryMax, Duration tokenCheck) {
        if (retryInitial != null && (retryInitial.isNegative() || retryInitial.isZero() || retryMax.compareTo(retryInitial) < 0)) {
            throw new IllegalArgumentException("token retry intervals must satisfy 0 < initial (" + retryInitial
                    + ") <= max (" + retryMax + ")");
        }
        this.manager = new IdentityManager(backend, alias, stateDirectory, Clock.systemUTC());
        this.health = new IdentityHealth(warningDays, criticalDays);
        this.signer = new TokenSigner(manager::snapshot, backend::signatureProvider, manager.keyUse(), this::tokenLost);
        this.identity = new TokenGatewayIdentity(manager::snapshot);
        this.custodial = new CustodialKeyStore(manager);
        this.retryInitial = retryInitial;
        this.retryMax = retryMax;
        this.nextRetry = retryInitial;
        manager.publishTo(publishers.create(signer, identity));
        this.opener = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "palisade-identity-open");
            thread.setDaemon(true);
            return thread;
        });
        this.opened = opener.submit(this::openAndRetry);
        if (tokenCheck != null) {
            opener.scheduleWithFixedDelay(this::checkToken, tokenCheck.toMillis(), tokenCheck.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * While the identity is usable, makes sure the token still signs; a loss goes through
     * {@link #tokenLost}. If an operator command found the token gone meanwhile (it records the
     * failure but schedules nothing), starts looking for it again.
     */
    private void checkToken() {
        IdentityException failure = manager.failure();
        if (failure != null) {
            if (failure.reason() == Reason.TOKEN_ABSENT && retryInitial != null) {
                scheduleRetry(); // no-op while an attempt is already scheduled
            }
            return;
        }
        CurrentKey key = manager.snapshot();
        if (key == null || !key.installed()) {
            return; // nothing to check
        }
        try {
            signer.probe();
        } catch (IdentityException e) {
            if (e.reason() != Reason.TOKEN_ABSENT) {
                LOG.warn("The token failed the periodic signature check: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("The periodic token check failed: {}", e.toString()); // keep the schedule alive
        }
    }

    /** Opens the keystore; while the token is absent, schedules the next attempt with backoff. */
    private void openAndRetry() {
        retryScheduled.set(false);
        manager.open();
        IdentityException failure = manager.failure();
        if (failure == null) {
            recovering = false;
        }
        // After a loss, a token that answers with an error while it comes back (SoftHSM2 gives
        // CKR_GENERAL_ERROR for a token whose storage vanished) is still being waited for.
        boolean absent = failure != null && (failure.reason() == Reason.TOKEN_ABSENT
                || (recovering && failure.reason() == Reason.TOKEN_ERROR));
        if (!absent || retryInitial == null) {
            nextRetry = retryInitial;
            return;
        }
        scheduleRetry();
    }

    private void scheduleRetry() {
        if (opener.isShutdown() || !retryScheduled.compareAndSet(false, true)) {
            return;
        }
        Duration delay = nextRetry;
        nextRetry = nextRetry.multipliedBy(2).compareTo(retryMax) > 0 ? retryMax : nextRetry.multipliedBy(2);
        try {
            opener.schedule(this::openAndRetry, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            retryScheduled.set(false); // deactivated meanwhile: no more attempts, as intended
        }
    }

    /** Called by the signer when the token went away under it: give up the key and look for the token again. */
    private void tokenLost(IdentityException failure) {
        if (retryInitial == null || opener.isShutdown()) {
            return;
        }
        try {
            opener.execute(() -> {
                if (manager.tokenLost(failure)) {
                    recovering = true;
                    nextRetry = retryInitial;
                    scheduleRetry();
                }
            });
        } catch (RejectedExecutionException stopping) {
            // Deactivated meanwhile: the keystore is being closed anyway.
        }
    }

    /** @return the manager, for tests that look at its state */
    final IdentityManager manager() {
        return manager;
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

    /** Stops retrying, waits briefly for the opening thread, then withdraws the services and closes the keystore. */
    final void stop() throws InterruptedException {
        opener.shutdownNow();
        opener.awaitTermination(10, TimeUnit.SECONDS);
        custodial.clear();
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

    // --- CustodialKeys: children's keys on the same token (custodial enrollment) ---

    @Override
    public String csr(String child, KeyType type) throws IdentityException {
        return custodial.csr(child, type);
    }

    @Override
    public IdentityInfo install(String child, List<X509Certificate> chain) throws IdentityException {
        return custodial.install(child, chain);
    }

    @Override
    public Optional<Signer> signer(String child) throws IdentityException {
        return custodial.signer(child);
    }
}
