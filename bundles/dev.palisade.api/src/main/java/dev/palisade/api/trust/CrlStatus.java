package dev.palisade.api.trust;

import java.time.Instant;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * One CRL in the cache, as {@code palisade:trust} shows its freshness. Immutable.
 *
 * @param issuer the CRL's issuer; never {@code null}
 * @param thisUpdate the CRL's thisUpdate; never {@code null}
 * @param nextUpdate the CRL's nextUpdate, or {@code null} if it has none (such a CRL is
 *        treated as stale from the moment it is loaded)
 * @param source where it came from: a file name under {@code etc/} or a distribution point
 *        URL; never {@code null}
 * @param revokedCount the number of entries in the CRL
 * @param loadedAt when the cache last loaded or fetched it; never {@code null}
 */
public record CrlStatus(X500Principal issuer, Instant thisUpdate, Instant nextUpdate, String source,
        int revokedCount, Instant loadedAt) {

    /** Validates the fields. */
    public CrlStatus {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(thisUpdate, "thisUpdate");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(loadedAt, "loadedAt");
        if (revokedCount < 0) {
            throw new IllegalArgumentException("revokedCount is negative: " + revokedCount);
        }
    }
}
