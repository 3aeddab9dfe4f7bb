package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * Revocation from the CRLs a domain holds: a certificate is checked against the freshest usable
 * CRL of its issuer. A CRL is usable when its issuer is the certificate's issuer in the path, that
 * issuer has cRLSign, its signature verifies with the issuer's key under an allowed algorithm, and
 * it is current (or within the grace period). Without a usable CRL the answer is
 * REVOCATION_UNKNOWN: the domain fails closed.
 */
final class Revocation {

    private final Map<X500Name, List<Crl>> byIssuer;

    Revocation(List<Crl> crls) {
        this.byIssuer = crls.stream().collect(Collectors.groupingBy(c -> c.issuer,
                Collectors.collectingAndThen(Collectors.toList(), list -> {
                    List<Crl> sorted = new ArrayList<>(list);
                    sorted.sort(Comparator.comparing((Crl c) -> c.thisUpdate).reversed());
                    return List.copyOf(sorted);
                })));
    }

    /**
     * @return the failure for {@code c}, or null if a usable CRL says it is not revoked
     */
    Failure check(Cert c, Cert issuer, DomainPolicy policy, Instant time, Provider provider, Budget budget) {
        return check(c, issuer, policy, time, provider, budget, CrlSource.NONE, new ArrayList<>());
    }

    /**
     * @param source fetched CRLs, considered together with the domain's files (freshest first)
     * @param used receives the CRL that decided, so that a cached verdict ends when it goes stale
     * @return the failure for {@code c}, or null if a usable CRL says it is not revoked
     */
    Failure check(Cert c, Cert issuer, DomainPolicy policy, Instant time, Provider provider, Budget budget,
            CrlSource source, List<Crl> used) {
        List<Crl> candidates = byIssuer.getOrDefault(c.issuer, List.of());
        List<Crl> fetched = source.crlsOf(c.issuer);
        if (!fetched.isEmpty()) {
            candidates = new ArrayList<>(candidates);
            candidates.addAll(fetched);
            candidates.sort(Comparator.comparing((Crl crl) -> crl.thisUpdate).reversed());
        }
        String why = "no CRL from its issuer " + Text.safe(c.issuer.toString());
        for (Crl crl : candidates) {
            if (crl.unusable != null) {
                why = "the CRL from " + crl.source + " is unusable: " + crl.unusable;
                continue;
            }
            if (issuer.keyUsage == null || !issuer.keyUsage.hasUsages(KeyUsage.cRLSign)) {
                why = "the CRL from " + crl.source + " is signed by an issuer without the cRLSign key usage";
                continue;
            }
            if (crl.authorityKeyId != null && issuer.subjectKeyId != null
                    && !Arrays.equals(crl.authorityKeyId, issuer.subjectKeyId)) {
                why = "the CRL from " + crl.source + " names another issuer key";
                continue;
            }
            if (crl.signatureAlgorithm == null || !policy.signatureAlgorithms().contains(crl.signatureAlgorithm)) {
                why = "the CRL from " + crl.source + " uses a signature algorithm that is not allowed";
                continue;
            }
            if (!verified(crl, issuer, provider, budget)) {
                why = "the CRL from " + crl.source + " has a signature that does not verify with its issuer's key";
                continue;
            }
            if (time.isBefore(crl.thisUpdate.minus(policy.clockSkew()))) {
                why = "the CRL from " + crl.source + " is not valid before " + crl.thisUpdate;
                continue;
            }
            Instant usableUntil = usableUntil(crl, policy);
            if (time.isAfter(usableUntil)) {
                why = "the CRL from " + crl.source + (crl.nextUpdate == null ? " has no nextUpdate"
                        : " is stale since its nextUpdate " + crl.nextUpdate)
                        + (policy.revocation() == RevocationPolicy.GRACE_PERIOD
                                ? " (grace period " + policy.grace().toSeconds() + "s)" : "");
                continue;
            }
            Instant revokedAt = crl.revokedAt(c.serial);
            used.add(crl);
            if (revokedAt != null) {
                return Failure.of(RejectReason.REVOKED, c, "revoked at " + revokedAt + " by the CRL from " + crl.source);
            }
            return null;
        }
        return Failure.of(RejectReason.REVOCATION_UNKNOWN, c, "revocation status unknown: " + why);
    }

    /** A CRL without nextUpdate is stale as soon as it is loaded (see CrlStatus). */
    static Instant usableUntil(Crl crl, DomainPolicy policy) {
        if (crl.nextUpdate == null) {
            return crl.loadedAt;
        }
        Instant until = crl.nextUpdate.plus(policy.clockSkew());
        return policy.revocation() == RevocationPolicy.GRACE_PERIOD ? until.plus(policy.grace()) : until;
    }

    private static boolean verified(Crl crl, Cert issuer, Provider provider, Budget budget) {
        Boolean known = crl.verifiedBy().get(issuer.fingerprint);
        if (known != null) {
            return known;
        }
        budget.signature();
        boolean ok;
        try {
            Signature verifier = Signature.getInstance(crl.signatureAlgorithm, provider);
            verifier.initVerify(issuer.publicKey(provider));
            verifier.update(crl.tbsDer);
            ok = verifier.verify(crl.signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        crl.verifiedBy().put(issuer.fingerprint, ok);
        return ok;
    }
}
