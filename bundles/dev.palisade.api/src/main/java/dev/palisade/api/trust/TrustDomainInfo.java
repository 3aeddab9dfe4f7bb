package dev.palisade.api.trust;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot of one trust domain, as {@code palisade:trust} lists it. Immutable.
 *
 * @param name the domain's name, for example {@code plant-a-devices}; never {@code null}
 * @param anchors the domain's trust anchors; never {@code null}, empty only for a domain whose
 *        anchor files failed to load (it then rejects everything with {@link RejectReason#NO_PATH})
 * @param intermediates the number of certificates in the domain's intermediate pool
 * @param maxDepth the maximum number of certificates in a path, anchor included
 * @param revocation the revocation policy; never {@code null}
 * @param grace how long a CRL past its nextUpdate is still used under
 *        {@link RevocationPolicy#GRACE_PERIOD}; {@link Duration#ZERO} otherwise; never {@code null}
 * @param crls the CRLs that apply to this domain's paths; never {@code null}
 * @param denyListEntries the number of deny-list entries that apply to this domain
 * @param changedAt when the domain's configuration, anchors, CRLs or deny-list last changed
 *        (any such change empties the verdict cache); never {@code null}
 */
public record TrustDomainInfo(String name, List<X509Certificate> anchors, int intermediates, int maxDepth,
        RevocationPolicy revocation, Duration grace, List<CrlStatus> crls, int denyListEntries,
        Instant changedAt) {

    /** Validates the fields and copies the lists. */
    public TrustDomainInfo {
        Objects.requireNonNull(name, "name");
        anchors = List.copyOf(Objects.requireNonNull(anchors, "anchors"));
        Objects.requireNonNull(revocation, "revocation");
        Objects.requireNonNull(grace, "grace");
        crls = List.copyOf(Objects.requireNonNull(crls, "crls"));
        Objects.requireNonNull(changedAt, "changedAt");
        if (intermediates < 0 || maxDepth < 1 || denyListEntries < 0 || grace.isNegative()) {
            throw new IllegalArgumentException("trust domain '" + name + "' has a negative count, a"
                    + " negative grace or a maximum depth below 1");
        }
    }
}
