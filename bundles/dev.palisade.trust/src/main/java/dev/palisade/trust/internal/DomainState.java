package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One loaded version of a trust domain: either working (policy and material) or DOWN with the
 * reason. Immutable; a configuration or file change makes a new instance, and the verdict cache
 * compares instances, so a reload invalidates every verdict computed with the old one.
 *
 * @param name the domain's name
 * @param policy what the domain allows; null when DOWN because the configuration is invalid
 * @param material anchors, pool and CRLs; null when DOWN
 * @param anchors the anchors as platform certificates, for snapshots and trust managers
 * @param downReason the reason code every request gets while DOWN, or null when working
 * @param down the one-line reason naming the file or key and the problem, or null when working
 * @param revocation the configured revocation policy (also when DOWN, for the snapshot)
 * @param grace the configured grace period
 * @param maxDepth the configured maximum depth, clamped to what a snapshot accepts
 * @param loadedAt when this version was loaded
 * @param stamps modification time and size of every file read, to notice changes
 */
record DomainState(String name, DomainPolicy policy, TrustMaterial material, List<X509Certificate> anchors,
        RejectReason downReason, String down, RevocationPolicy revocation, Duration grace, int maxDepth,
        Instant loadedAt, Map<Path, Stamp> stamps) {

    /** What a file looked like when it was read; a missing file has {@code -1, -1}. */
    record Stamp(long modifiedMillis, long size) {
        static final Stamp MISSING = new Stamp(-1, -1);
    }

    DomainState {
        anchors = List.copyOf(anchors);
        stamps = Map.copyOf(stamps);
    }

    boolean isDown() {
        return down != null;
    }
}
