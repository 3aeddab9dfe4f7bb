package dev.palisade.hub.admin;

import java.time.Clock;

import dev.palisade.hub.registry.AuditEntry;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;

/** Runs an administrative action and records it in the audit log, refused or not. */
final class Audited {
    private final HubRegistry registry;
    private final Clock clock;
    private final String actor;

    Audited(HubRegistry registry, Clock clock, String actor) {
        this.registry = registry;
        this.clock = clock;
        this.actor = actor;
    }

    @FunctionalInterface
    interface Action<T> {
        T run() throws RegistryException;
    }

    /**
     * Runs {@code action}; writes {@code ok} with {@code detail} or {@code refused} with the
     * reason. A refusal is rethrown after it is recorded.
     */
    <T> T run(String action, String target, String detail, Action<T> body) throws RegistryException {
        return run(action, target, body, () -> detail);
    }

    /** As {@link #run(String, String, String, Action)}, with a detail known only once the action ran. */
    <T> T run(String action, String target, Action<T> body, java.util.function.Supplier<String> detail) throws RegistryException {
        T result;
        try {
            result = body.run();
        } catch (RegistryException e) {
            if (e.reason() != RegistryException.Reason.UNAVAILABLE) {
                registry.audit(new AuditEntry(0, clock.instant(), actor, action, target, "refused", e.getMessage()));
            }
            throw e;
        }
        registry.audit(new AuditEntry(0, clock.instant(), actor, action, target, "ok", detail.get()));
        return result;
    }
}
