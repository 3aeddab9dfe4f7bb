package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * The strict profile: rules about one certificate in its role, independent of the rest of the
 * path. Applied to every certificate, the anchor included (PKIX implementations treat the anchor
 * as a bare name and key, see shared/research/trust-notes.md) — only the anchor's own signature
 * and issuer are not looked at, because nothing above it vouches for them.
 */
final class ProfileChecks {

    /** Where a certificate sits in the path. */
    enum Role { LEAF, INTERMEDIATE, ANCHOR }

    /** Extensions this verifier processes; any other critical extension rejects the certificate. */
    private static final Set<ASN1ObjectIdentifier> PROCESSED = Set.of(Extension.basicConstraints,
            Extension.keyUsage, Extension.extendedKeyUsage, Extension.subjectAlternativeName,
            Extension.nameConstraints, Extension.subjectKeyIdentifier, Extension.authorityKeyIdentifier);

    private static final BigInteger MAX_SERIAL = BigInteger.ONE.shiftLeft(159);

    private ProfileChecks() {
    }

    /**
     * @return the first rule the certificate breaks, or null
     */
    static Failure check(Cert c, Role role, DomainPolicy policy, Instant time) {
        boolean ca = role != Role.LEAF;
        if (c.tbs.getVersionNumber() != 3) {
            return fail(RejectReason.PROFILE, c, "version " + c.tbs.getVersionNumber() + " certificate; only v3 is accepted");
        }
        if (c.serial.signum() <= 0) {
            return fail(RejectReason.PROFILE, c, "serial number " + c.serial + " is not positive");
        }
        if (c.serial.compareTo(MAX_SERIAL) >= 0) {
            return fail(RejectReason.PROFILE, c, "serial number is longer than 20 octets");
        }
        if (c.extensions != null) {
            for (ASN1ObjectIdentifier oid : c.extensions.getCriticalExtensionOIDs()) {
                if (!PROCESSED.contains(oid)) {
                    return fail(RejectReason.UNKNOWN_CRITICAL_EXTENSION, c,
                            "critical extension " + oid.getId() + " is not processed by this verifier");
                }
            }
        }
        Failure failure = keyIdentifiers(c, role);
        if (failure == null) {
            failure = basicConstraints(c, ca);
        }
        if (failure == null) {
            failure = keyUsage(c, ca);
        }
        if (failure == null) {
            failure = names(c, ca);
        }
        if (failure == null) {
            failure = algorithms(c, role, policy);
        }
        return failure != null ? failure : validity(c, policy, time);
    }

    private static Failure keyIdentifiers(Cert c, Role role) {
        if (c.isCritical(Extension.subjectKeyIdentifier)) {
            return fail(RejectReason.PROFILE, c, "subjectKeyIdentifier is marked critical");
        }
        if (c.isCritical(Extension.authorityKeyIdentifier)) {
            return fail(RejectReason.PROFILE, c, "authorityKeyIdentifier is marked critical");
        }
        if (role != Role.LEAF && (c.subjectKeyId == null || c.subjectKeyId.length == 0)) {
            return fail(RejectReason.PROFILE, c, "CA certificate without subjectKeyIdentifier");
        }
        if (role != Role.ANCHOR && !c.selfIssued
                && (c.authorityKeyId == null || c.authorityKeyId.getKeyIdentifier() == null)) {
            return fail(RejectReason.PROFILE, c, "no authorityKeyIdentifier keyIdentifier on a certificate that is not self-issued");
        }
        return null;
    }

    private static Failure basicConstraints(Cert c, boolean ca) {
        if (ca) {
            if (c.basicConstraints == null) {
                return fail(RejectReason.BASIC_CONSTRAINTS, c, "CA certificate without basicConstraints");
            }
            if (!c.basicConstraints.isCA()) {
                return fail(RejectReason.BASIC_CONSTRAINTS, c, "basicConstraints cA is false on a CA certificate");
            }
            if (!c.isCritical(Extension.basicConstraints)) {
                return fail(RejectReason.BASIC_CONSTRAINTS, c, "basicConstraints is not critical on a CA certificate");
            }
        } else {
            if (c.isCa()) {
                return fail(RejectReason.BASIC_CONSTRAINTS, c, "the leaf is a CA certificate (basicConstraints cA is true)");
            }
            if (c.basicConstraints != null && c.basicConstraints.getPathLenConstraint() != null) {
                return fail(RejectReason.PROFILE, c, "pathLenConstraint on a certificate that is not a CA");
            }
        }
        return null;
    }

    private static Failure keyUsage(Cert c, boolean ca) {
        KeyUsage usage = c.keyUsage;
        if (usage == null) {
            return fail(RejectReason.KEY_USAGE, c, "no keyUsage extension");
        }
        if (ca) {
            if (!usage.hasUsages(KeyUsage.keyCertSign)) {
                return fail(RejectReason.KEY_USAGE, c, "keyUsage lacks keyCertSign on a CA certificate");
            }
            return null;
        }
        if (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign)) {
            return fail(RejectReason.KEY_USAGE, c, "keyUsage keyCertSign or cRLSign on a certificate that is not a CA");
        }
        String key = Algorithms.keyInfo(c.tbs.getSubjectPublicKeyInfo()).type();
        boolean signs = usage.hasUsages(KeyUsage.digitalSignature);
        if (key.equals("rsa") ? !(signs || usage.hasUsages(KeyUsage.keyEncipherment)) : !signs) {
            return fail(RejectReason.KEY_USAGE, c, "keyUsage lacks digitalSignature on the leaf");
        }
        return null;
    }

    private static Failure names(Cert c, boolean ca) {
        if (c.subjectAltNames != null) {
            String problem = Names.sanSyntax(c.subjectAltNames);
            if (problem != null) {
                return fail(RejectReason.PROFILE, c, "malformed subjectAltName: " + problem);
            }
        }
        if (c.subject.getRDNs().length == 0) {
            if (c.subjectAltNames == null || !c.isCritical(Extension.subjectAlternativeName)) {
                return fail(RejectReason.PROFILE, c, "empty subject without a critical subjectAltName");
            }
        }
        if (c.extendedKeyUsage != null && c.extendedKeyUsage.isEmpty()) {
            return fail(RejectReason.PROFILE, c, "empty extendedKeyUsage");
        }
        if (c.nameConstraints != null) {
            if (!ca) {
                return fail(RejectReason.PROFILE, c, "nameConstraints on a certificate that is not a CA");
            }
            if (!c.isCritical(Extension.nameConstraints)) {
                return fail(RejectReason.PROFILE, c, "nameConstraints is not critical");
            }
            String problem = Names.constraintSyntax(c.nameConstraints);
            if (problem != null) {
                return fail(RejectReason.PROFILE, c, "malformed nameConstraints: " + problem);
            }
        }
        return null;
    }

    private static Failure algorithms(Cert c, Role role, DomainPolicy policy) {
        Algorithms.KeyInfo key = Algorithms.keyInfo(c.tbs.getSubjectPublicKeyInfo());
        if (!keyAllowed(key, policy)) {
            return fail(RejectReason.KEY_POLICY, c, "public key " + key + " is not allowed (allowed: "
                    + String.join(", ", new java.util.TreeSet<>(policy.keyTypes()))
                    + (policy.keyTypes().contains("rsa") ? " with RSA of at least " + policy.rsaMinBits() + " bits" : "") + ")");
        }
        if (role != Role.ANCHOR) {
            String name = Algorithms.signatureName(c.tbs.getSignature());
            if (name == null || !policy.signatureAlgorithms().contains(name)) {
                return fail(RejectReason.ALGORITHM_POLICY, c, "signature algorithm "
                        + (name != null ? name : c.tbs.getSignature().getAlgorithm().getId() + " (unknown or with bad parameters)")
                        + " is not allowed");
            }
        }
        return null;
    }

    static boolean keyAllowed(Algorithms.KeyInfo key, DomainPolicy policy) {
        return policy.keyTypes().contains(key.type()) && (!key.type().equals("rsa") || key.bits() >= policy.rsaMinBits());
    }

    private static Failure validity(Cert c, DomainPolicy policy, Instant time) {
        if (time.isAfter(c.notAfter.plus(policy.clockSkew()))) {
            return fail(RejectReason.EXPIRED, c, "expired at " + c.notAfter + " (validation time " + time
                    + ", clock skew " + policy.clockSkew().toSeconds() + "s)");
        }
        if (time.isBefore(c.notBefore.minus(policy.clockSkew()))) {
            return fail(RejectReason.NOT_YET_VALID, c, "not valid before " + c.notBefore + " (validation time " + time
                    + ", clock skew " + policy.clockSkew().toSeconds() + "s)");
        }
        return null;
    }

    private static Failure fail(RejectReason reason, Cert c, String rule) {
        return Failure.of(reason, c, rule);
    }
}
