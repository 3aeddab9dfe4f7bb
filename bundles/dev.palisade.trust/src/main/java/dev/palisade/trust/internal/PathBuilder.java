package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 5280 path building: from the leaf upwards, depth first, over every candidate issuer whose
 * subject DN equals the certificate's issuer DN and whose subjectKeyIdentifier does not
 * contradict its authorityKeyIdentifier — anchors first, then the request's other certificates,
 * then the domain's pool. A candidate whose signature does not verify is dropped; a complete path
 * that fails validation makes the builder backtrack to the next candidate. Work is bounded by
 * {@link Budget}.
 *
 * <p>A link whose algorithm or key the domain does not allow is not verified at all (no crypto
 * on keys we would refuse) but kept, so that validation reports the policy failure by name
 * instead of a bare "no path"; {@link PathValidator} refuses any path with such a link.
 */
final class PathBuilder {

    /** A complete path, leaf first and anchor last, with which links were signature-checked. */
    record Path(List<Cert> certs, boolean[] verified) {
    }

    private final TrustMaterial material;
    private final DomainPolicy policy;
    private final Provider provider;
    private final Budget budget;
    private final List<Cert> request;
    private final PathValidator validator;
    private final Map<String, Boolean> signatures = new HashMap<>();
    private Failure firstPathFailure;
    private Failure signatureFailure;
    private Cert deepestStuck;
    private int deepestStuckDepth = -1;
    private boolean depthCut;

    PathBuilder(TrustMaterial material, DomainPolicy policy, Provider provider, Budget budget, List<Cert> request,
            PathValidator validator) {
        this.material = material;
        this.policy = policy;
        this.provider = provider;
        this.budget = budget;
        this.request = request;
        this.validator = validator;
    }

    /**
     * @return the first valid path, never null
     * @throws BuildFailed with the most useful failure when there is none
     */
    Path build() throws BuildFailed {
        List<Cert> path = new ArrayList<>();
        path.add(request.get(0));
        List<Boolean> links = new ArrayList<>();
        Path found = search(path, links);
        if (found != null) {
            return found;
        }
        if (firstPathFailure != null) {
            throw new BuildFailed(firstPathFailure);
        }
        if (signatureFailure != null) {
            throw new BuildFailed(signatureFailure);
        }
        if (depthCut) {
            throw new BuildFailed(Failure.of(RejectReason.DEPTH, request.get(0),
                    "every path to an anchor is longer than the domain's maximum depth of " + policy.maxDepth()));
        }
        Cert stuck = deepestStuck != null ? deepestStuck : request.get(0);
        throw new BuildFailed(Failure.of(RejectReason.NO_PATH, stuck, "no issuer found: no anchor, presented"
                + " certificate or pool certificate is named " + Text.safe(stuck.issuer.toString())
                + " with a matching key identifier and signature"));
    }

    private Path search(List<Cert> path, List<Boolean> links) {
        Cert current = path.get(path.size() - 1);
        boolean extended = false;
        for (Cert candidate : candidates(current)) {
            if (contains(path, candidate) || !keyIdsAgree(current, candidate)) {
                continue;
            }
            boolean anchor = material.anchorFingerprints.contains(candidate.fingerprint);
            if (path.size() + 1 > policy.maxDepth() || (!anchor && path.size() + 2 > policy.maxDepth())) {
                depthCut = true;
                continue;
            }
            budget.candidate();
            Boolean linked = link(current, candidate);
            if (linked == Boolean.FALSE) {
                if (signatureFailure == null) {
                    signatureFailure = Failure.of(RejectReason.SIGNATURE, current, "signature does not verify with the"
                            + " key of its issuer " + candidate.displayName());
                }
                continue;
            }
            extended = true;
            path.add(candidate);
            links.add(linked != null);
            if (anchor) {
                boolean[] verified = new boolean[links.size()];
                for (int i = 0; i < verified.length; i++) {
                    verified[i] = links.get(i);
                }
                Path complete = new Path(List.copyOf(path), verified);
                Failure failure = validator.validate(complete);
                if (failure == null) {
                    return complete;
                }
                if (firstPathFailure == null) {
                    firstPathFailure = failure;
                }
            } else {
                Path found = search(path, links);
                if (found != null) {
                    return found;
                }
            }
            path.remove(path.size() - 1);
            links.remove(links.size() - 1);
        }
        if (!extended && path.size() > deepestStuckDepth) {
            deepestStuckDepth = path.size();
            deepestStuck = current;
        }
        return null;
    }

    /** Anchors first (shortest paths), then the request's certificates, then the pool. */
    private List<Cert> candidates(Cert current) {
        List<Cert> candidates = new ArrayList<>(material.anchorsNamed(current.issuer));
        for (int i = 1; i < request.size(); i++) {
            Cert presented = request.get(i);
            // A presented copy of an anchor is the anchor, already listed.
            if (presented.subject.equals(current.issuer) && !material.anchorFingerprints.contains(presented.fingerprint)) {
                candidates.add(presented);
            }
        }
        candidates.addAll(material.poolNamed(current.issuer));
        return candidates;
    }

    private static boolean contains(List<Cert> path, Cert candidate) {
        for (Cert cert : path) {
            if (cert.fingerprint.equals(candidate.fingerprint)) {
                return true;
            }
        }
        return false;
    }

    private static boolean keyIdsAgree(Cert child, Cert issuer) {
        byte[] wanted = child.authorityKeyId == null ? null : child.authorityKeyId.getKeyIdentifier();
        return wanted == null || issuer.subjectKeyId == null || Arrays.equals(wanted, issuer.subjectKeyId);
    }

    /**
     * @return TRUE if the signature verifies, FALSE if not, null if the algorithm or the issuer's
     *         key is outside the domain's policy (not checked; validation will refuse the path)
     */
    private Boolean link(Cert child, Cert issuer) {
        String algorithm = Algorithms.signatureName(child.tbs.getSignature());
        if (algorithm == null || !policy.signatureAlgorithms().contains(algorithm)
                || !ProfileChecks.keyAllowed(Algorithms.keyInfo(issuer.tbs.getSubjectPublicKeyInfo()), policy)) {
            return null;
        }
        String key = child.fingerprint + issuer.fingerprint;
        Boolean known = signatures.get(key);
        if (known != null) {
            return known;
        }
        budget.signature();
        boolean ok;
        try {
            Signature verifier = Signature.getInstance(algorithm, provider);
            verifier.initVerify(issuer.publicKey(provider));
            verifier.update(child.tbsDer);
            ok = verifier.verify(child.signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // A key that does not fit the algorithm, or a signature that is not even well-formed.
            ok = false;
        }
        signatures.put(key, ok);
        return ok;
    }

    /** No valid path; carries the failure to report. */
    static final class BuildFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;

        BuildFailed(Failure failure) {
            super(failure.rule(), null, false, false);
            this.failure = failure;
        }
    }
}
