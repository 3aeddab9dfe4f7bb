package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import dev.palisade.api.trust.Verdict;
import java.security.Provider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The verifier engine for one trust domain: plain Java, no OSGi. Decodes the presented chain
 * with bounds, derives the device identity from the leaf's own DER before anything else looks at
 * it, builds and validates a path, and answers with a {@link Verdict}. Thread-safe: all state is
 * immutable or per call.
 */
final class ChainVerifier {

    /** Certificates accepted in one request; a device chain is 1–4. */
    static final int MAX_REQUEST_CERTIFICATES = 8;

    /** The verdict and what a cache needs to keep it honest. */
    record Result(Verdict verdict, List<Cert> path, Instant validUntil) {
    }

    private final String domain;
    private final DomainPolicy policy;
    private final TrustMaterial material;
    private final Provider provider;
    private final CrlSource crlSource;
    private final IssuerCache issuers;

    ChainVerifier(String domain, DomainPolicy policy, TrustMaterial material, Provider provider) {
        this(domain, policy, material, provider, CrlSource.NONE, null);
    }

    /**
     * @param domain the domain's name, for messages
     * @param policy what the domain allows
     * @param material anchors, pool and CRLs
     * @param provider the provider that verifies signatures (a Bouncy Castle instance, for speed)
     * @param crlSource CRLs fetched from distribution points
     * @param issuers decoded CA certificates of earlier accepted requests, or null
     */
    ChainVerifier(String domain, DomainPolicy policy, TrustMaterial material, Provider provider, CrlSource crlSource,
            IssuerCache issuers) {
        this.crlSource = Objects.requireNonNull(crlSource);
        this.issuers = issuers;
        this.domain = Objects.requireNonNull(domain);
        this.policy = Objects.requireNonNull(policy);
        this.material = Objects.requireNonNull(material);
        this.provider = Objects.requireNonNull(provider);
    }

    DomainPolicy policy() {
        return policy;
    }

    TrustMaterial material() {
        return material;
    }

    /**
     * @param chain DER encodings, leaf first (not modified)
     * @param purpose the device's role
     * @param time the validation time
     * @param expectedIdentity the identity the device must have, or null
     * @param denyList the deny-list in force
     * @return the result; never throws for any input
     */
    Result verify(List<byte[]> chain, Purpose purpose, Instant time, String expectedIdentity, DenyList denyList) {
        try {
            return evaluate(chain, purpose, time, expectedIdentity, denyList);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug, not a verdict on the chain: fail closed, and say so (the service logs the cause).
            return rejected(Verdict.reject(RejectReason.INTERNAL, -1, "the verifier failed: " + Text.safe(e.toString())));
        }
    }

    private Result evaluate(List<byte[]> chain, Purpose purpose, Instant time, String expectedIdentity, DenyList denyList) {
        int size = chain.size();
        if (size > MAX_REQUEST_CERTIFICATES) {
            return rejected(Verdict.reject(RejectReason.DEPTH, -1, "the request holds " + size
                    + " certificates; at most " + MAX_REQUEST_CERTIFICATES + " are accepted"));
        }
        List<Cert> request = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            // The leaf is always decoded afresh: it is the device at hand, and its identity comes from it.
            Cert known = i > 0 && issuers != null ? issuers.get(chain.get(i), i) : null;
            if (known != null) {
                request.add(known);
                continue;
            }
            try {
                request.add(Cert.parse(chain.get(i), i));
            } catch (MalformedException e) {
                return rejected(Verdict.reject(RejectReason.MALFORMED, i, "certificate " + i + " (undecodable): " + e.getMessage()));
            }
        }
        // Identity first, from the leaf's own encoding: nothing below can influence it.
        String[] why = new String[1];
        String identity = policy.identity().derive(request.get(0), why);

        Budget budget = new Budget();
        PathValidator validator = new PathValidator(material, policy, purpose, time, denyList, provider, budget,
                crlSource);
        PathBuilder.Path path;
        try {
            path = new PathBuilder(material, policy, provider, budget, request, validator).build();
        } catch (PathBuilder.BuildFailed e) {
            return rejected(e.failure.toVerdict(size));
        } catch (Budget.Exhausted e) {
            return rejected(Verdict.reject(RejectReason.RESOURCE_LIMIT, -1, e.getMessage()));
        }
        if (identity == null) {
            return rejected(Failure.of(RejectReason.NO_IDENTITY, request.get(0), why[0]).toVerdict(size));
        }
        if (expectedIdentity != null && !expectedIdentity.equals(identity)) {
            return rejected(Failure.of(RejectReason.IDENTITY_MISMATCH, request.get(0), "identity '" + identity
                    + "' is not the expected '" + Text.safe(expectedIdentity) + "'").toVerdict(size));
        }
        List<Cert> certs = path.certs();
        Cert anchor = certs.get(certs.size() - 1);
        if (issuers != null) {
            for (int i = 1; i < certs.size() - 1; i++) {
                if (certs.get(i).requestIndex > 0) {
                    issuers.add(certs.get(i));
                }
            }
        }
        return new Result(Verdict.accept(identity, "trusted in domain " + domain + " as '" + identity + "' through "
                + (certs.size() - 1) + " issuer(s) to anchor " + anchor.displayName()), certs, validUntil(certs, validator.usedCrls));
    }

    /** An accepted verdict holds until the first certificate expires or a used CRL goes stale. */
    private Instant validUntil(List<Cert> certs, List<Crl> used) {
        Instant until = Instant.MAX;
        for (Cert cert : certs) {
            Instant end = cert.notAfter.plus(policy.clockSkew());
            until = end.isBefore(until) ? end : until;
        }
        if (policy.revocation() != RevocationPolicy.OFF) {
            List<Crl> crls = new ArrayList<>(material.crls);
            crls.addAll(used);
            for (Crl crl : crls) {
                Instant end = Revocation.usableUntil(crl, policy);
                until = end.isBefore(until) ? end : until;
            }
        }
        return until;
    }

    private static Result rejected(Verdict verdict) {
        return new Result(verdict, List.of(), null);
    }
}
