package dev.palisade.trust.internal;

import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RevocationPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a trust domain allows, as plain values (the OSGi configuration is turned into this by
 * the domain component, tests build it directly).
 *
 * @param keyTypes allowed key types: {@code ec-p256}, {@code ec-p384}, {@code ec-p521},
 *        {@code rsa}, {@code ed25519}
 * @param rsaMinBits the smallest RSA modulus allowed
 * @param signatureAlgorithms allowed JCA signature algorithm names
 * @param clientEku EKU OIDs the leaf must carry for {@link Purpose#CLIENT}
 * @param serverEku EKU OIDs the leaf must carry for {@link Purpose#SERVER}
 * @param maxDepth the most certificates in a path, anchor included
 * @param clockSkew tolerance applied to both ends of every validity period
 * @param identity how the device's identity is derived from the leaf
 * @param revocation the revocation policy
 * @param grace how long a CRL past its nextUpdate is still used under GRACE_PERIOD
 */
record DomainPolicy(Set<String> keyTypes, int rsaMinBits, Set<String> signatureAlgorithms,
        List<String> clientEku, List<String> serverEku, int maxDepth, Duration clockSkew,
        IdentityRule identity, RevocationPolicy revocation, Duration grace) {

    /** Hard ceiling whatever the configuration says: bounds path building. */
    static final int MAX_DEPTH = 8;

    DomainPolicy {
        keyTypes = Set.copyOf(keyTypes);
        signatureAlgorithms = Set.copyOf(signatureAlgorithms);
        clientEku = List.copyOf(clientEku);
        serverEku = List.copyOf(serverEku);
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(revocation, "revocation");
        Objects.requireNonNull(grace, "grace");
        if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
            throw new IllegalArgumentException("maximum depth " + maxDepth + " is outside 1.." + MAX_DEPTH);
        }
        if (clockSkew.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("clock skew and grace period must not be negative");
        }
    }

    /** The defaults a domain configuration also declares: P-256/P-384/RSA-2048, no SHA-1. */
    static DomainPolicy defaults() {
        return new DomainPolicy(Set.of("ec-p256", "ec-p384", "rsa"), 2048,
                Set.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
                        "SHA256withRSA", "SHA384withRSA", "SHA512withRSA"),
                List.of("1.3.6.1.5.5.7.3.2"), List.of("1.3.6.1.5.5.7.3.1"), 4, Duration.ofMinutes(5),
                IdentityRule.SUBJECT_CN, RevocationPolicy.OFF, Duration.ZERO);
    }

    List<String> eku(Purpose purpose) {
        return purpose == Purpose.CLIENT ? clientEku : serverEku;
    }

    DomainPolicy withRevocation(RevocationPolicy policy, Duration graceTime) {
        return new DomainPolicy(keyTypes, rsaMinBits, signatureAlgorithms, clientEku, serverEku, maxDepth,
                clockSkew, identity, policy, graceTime);
    }

    DomainPolicy withIdentity(IdentityRule rule) {
        return new DomainPolicy(keyTypes, rsaMinBits, signatureAlgorithms, clientEku, serverEku, maxDepth,
                clockSkew, rule, revocation, grace);
    }

    DomainPolicy withMaxDepth(int depth) {
        return new DomainPolicy(keyTypes, rsaMinBits, signatureAlgorithms, clientEku, serverEku, depth,
                clockSkew, identity, revocation, grace);
    }

    DomainPolicy withAlgorithms(Set<String> algorithms, Set<String> keys) {
        return new DomainPolicy(keys, rsaMinBits, algorithms, clientEku, serverEku, maxDepth,
                clockSkew, identity, revocation, grace);
    }

    /** The same EKU list for both purposes, as {@code palisade verify --eku} gives it. */
    DomainPolicy withEku(List<String> eku) {
        return new DomainPolicy(keyTypes, rsaMinBits, signatureAlgorithms, eku, eku, maxDepth,
                clockSkew, identity, revocation, grace);
    }
}
