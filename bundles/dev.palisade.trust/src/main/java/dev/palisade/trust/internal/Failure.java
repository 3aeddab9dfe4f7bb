package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.Verdict;

/**
 * A failed rule about one certificate (or none). Becomes a {@link Verdict} once the size of the
 * request is known, because certificates from the domain are numbered after the request's.
 */
record Failure(RejectReason reason, Cert certificate, String rule) {

    static Failure of(RejectReason reason, Cert certificate, String rule) {
        return new Failure(reason, certificate, rule);
    }

    Verdict toVerdict(int requestSize) {
        if (certificate == null) {
            return Verdict.reject(reason, -1, rule);
        }
        int index = certificate.requestIndex >= 0 ? certificate.requestIndex : requestSize;
        return Verdict.reject(reason, index,
                "certificate " + index + " (" + certificate.displayName() + "): " + rule);
    }
}
