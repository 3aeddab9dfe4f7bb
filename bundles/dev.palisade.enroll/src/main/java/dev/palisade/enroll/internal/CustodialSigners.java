package dev.palisade.enroll.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.Signer;

/**
 * Finds custodial children's signers on the token. Signers are <em>not</em> kept here: the
 * identity bundle caches them and drops them when the token is lost or logged in again, so a
 * signer kept here would be stale after a token loss and every custodial proof would fail until
 * a restart. Only misses are remembered, so that a child without a key is not looked up on the
 * token every second; they are forgotten when the {@link CustodialKeys} service changes and on
 * {@link #forget}.
 */
final class CustodialSigners {

    private static final Logger LOG = LoggerFactory.getLogger(CustodialSigners.class);
    static final Duration RECHECK = Duration.ofSeconds(30);

    private final Clock clock;
    private final Map<String, Instant> misses = new ConcurrentHashMap<>();
    private volatile CustodialKeys lastKeys;

    CustodialSigners(Clock clock) {
        this.clock = clock;
    }

    /** @return the child's signer now, or null (no keys service, no key or certificate yet, a token error) */
    Signer lookup(CustodialKeys keys, String child) {
        if (keys != lastKeys) {
            misses.clear(); // another keystore (or none): what was missing may be there now
            lastKeys = keys;
        }
        if (keys == null) {
            return null;
        }
        Instant missed = misses.get(child);
        Instant now = clock.instant();
        if (missed != null && now.isBefore(missed.plus(RECHECK))) {
            return null;
        }
        try {
            Optional<Signer> found = keys.signer(child);
            if (found.isPresent()) {
                misses.remove(child);
                return found.get();
            }
        } catch (IdentityException | RuntimeException e) {
            LOG.debug("Enrollment: no custodial key for '{}' now: {}", child, e.getMessage());
        }
        misses.put(child, now);
        return null;
    }

    /** Looks the child up again at the next call (after an install). */
    void forget(String child) {
        misses.remove(child);
    }
}
