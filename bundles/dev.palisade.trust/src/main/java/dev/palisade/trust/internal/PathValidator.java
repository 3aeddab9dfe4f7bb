package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import java.math.BigInteger;
import java.security.Provider;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * Validates one complete path (leaf first, anchor last): the strict profile on every
 * certificate from the anchor down, then the rules that depend on the path — pathLenConstraint,
 * extended key usage, name constraints (the anchor's included), revocation and the deny-list.
 */
final class PathValidator {

    private static final ASN1ObjectIdentifier ANY_EKU = KeyPurposeId.anyExtendedKeyUsage.toOID();

    private final TrustMaterial material;
    private final DomainPolicy policy;
    private final Purpose purpose;
    private final Instant time;
    private final DenyList denyList;
    private final Provider provider;
    private final Budget budget;
    private final CrlSource crlSource;
    /** The CRLs that decided revocation for the paths checked (a superset for the final path). */
    final List<Crl> usedCrls = new java.util.ArrayList<>();

    PathValidator(TrustMaterial material, DomainPolicy policy, Purpose purpose, Instant time, DenyList denyList,
            Provider provider, Budget budget) {
        this(material, policy, purpose, time, denyList, provider, budget, CrlSource.NONE);
    }

    PathValidator(TrustMaterial material, DomainPolicy policy, Purpose purpose, Instant time, DenyList denyList,
            Provider provider, Budget budget, CrlSource crlSource) {
        this.crlSource = crlSource;
        this.material = material;
        this.policy = policy;
        this.purpose = purpose;
        this.time = time;
        this.denyList = denyList;
        this.provider = provider;
        this.budget = budget;
    }

    /** @return the first failure, or null if the path is valid */
    Failure validate(PathBuilder.Path path) {
        List<Cert> certs = path.certs();
        int top = certs.size() - 1;
        for (int i = top; i >= 0; i--) {
            ProfileChecks.Role role = i == top ? ProfileChecks.Role.ANCHOR
                    : i == 0 ? ProfileChecks.Role.LEAF : ProfileChecks.Role.INTERMEDIATE;
            Failure failure = ProfileChecks.check(certs.get(i), role, policy, time);
            if (failure != null) {
                return failure;
            }
        }
        Failure failure = pathLength(certs);
        if (failure == null) {
            failure = extendedKeyUsage(certs);
        }
        if (failure == null) {
            failure = nameConstraints(certs);
        }
        for (int i = 0; failure == null && i < path.verified().length; i++) {
            if (!path.verified()[i]) {
                // Unreachable when the profile checks hold: a link is unverified only under a policy failure.
                failure = Failure.of(RejectReason.SIGNATURE, certs.get(i), "signature was not verified");
            }
        }
        if (failure == null && policy.revocation() != RevocationPolicy.OFF) {
            // Signatures and profile hold: this path's distribution points are worth fetching.
            crlSource.observe(certs);
            for (int i = 0; failure == null && i < top; i++) {
                failure = material.revocation.check(certs.get(i), certs.get(i + 1), policy, time, provider, budget,
                        crlSource, usedCrls);
            }
        }
        for (int i = 0; failure == null && i <= top; i++) {
            String denied = denyList.match(certs.get(i));
            if (denied != null) {
                failure = Failure.of(RejectReason.DENIED, certs.get(i), denied);
            }
        }
        return failure;
    }

    /** A CA's pathLenConstraint counts the non-self-issued intermediates below it. */
    private static Failure pathLength(List<Cert> certs) {
        for (int i = 1; i < certs.size(); i++) {
            BigInteger limit = certs.get(i).basicConstraints.getPathLenConstraint();
            if (limit == null) {
                continue;
            }
            int below = 0;
            for (int j = 1; j < i; j++) {
                below += certs.get(j).selfIssued ? 0 : 1;
            }
            if (BigInteger.valueOf(below).compareTo(limit) > 0) {
                return Failure.of(RejectReason.PATH_LENGTH, certs.get(i), "pathLenConstraint " + limit
                        + " is exceeded by " + below + " intermediate CA certificate(s) below it");
            }
        }
        return null;
    }

    /** The leaf must carry every required purpose; a CA that restricts EKU must allow them too. */
    private Failure extendedKeyUsage(List<Cert> certs) {
        List<String> required = policy.eku(purpose);
        if (required.isEmpty()) {
            return null;
        }
        Cert leaf = certs.get(0);
        if (leaf.extendedKeyUsage == null) {
            return Failure.of(RejectReason.EXTENDED_KEY_USAGE, leaf, "no extendedKeyUsage; the domain requires "
                    + String.join(", ", required) + " for a " + purpose.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (int i = 0; i < certs.size(); i++) {
            List<ASN1ObjectIdentifier> usages = certs.get(i).extendedKeyUsage;
            if (usages == null || (i > 0 && usages.contains(ANY_EKU))) {
                continue;
            }
            for (String oid : required) {
                if (!usages.contains(new ASN1ObjectIdentifier(oid))) {
                    return Failure.of(RejectReason.EXTENDED_KEY_USAGE, certs.get(i), "extendedKeyUsage lacks " + oid
                            + ", which the domain requires for a " + purpose.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return null;
    }

    /**
     * Each CA's constraints apply to every certificate below it; self-issued intermediates are
     * exempt (RFC 5280 §4.2.1.10), the leaf never is.
     */
    private static Failure nameConstraints(List<Cert> certs) {
        for (int i = 1; i < certs.size(); i++) {
            Cert ca = certs.get(i);
            if (ca.nameConstraints == null) {
                continue;
            }
            for (int j = i - 1; j >= 0; j--) {
                Cert subject = certs.get(j);
                if (j > 0 && subject.selfIssued) {
                    continue;
                }
                String violation = Names.violation(ca, subject);
                if (violation != null) {
                    return Failure.of(RejectReason.NAME_CONSTRAINTS, subject, violation
                            + " of the name constraints in " + ca.displayName());
                }
            }
        }
        return null;
    }
}
