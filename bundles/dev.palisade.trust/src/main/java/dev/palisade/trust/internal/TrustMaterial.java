package dev.palisade.trust.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * A domain's anchors, intermediate pool and CRLs, decoded once and immutable: a change of any
 * file makes a new instance, which is what invalidates cached verdicts.
 */
final class TrustMaterial {

    final List<Cert> anchors;
    final List<Cert> pool;
    final List<Crl> crls;
    final Revocation revocation;
    final Set<String> anchorFingerprints = new HashSet<>();
    private final Map<X500Name, List<Cert>> anchorsBySubject = new HashMap<>();
    private final Map<X500Name, List<Cert>> poolBySubject = new HashMap<>();

    TrustMaterial(List<Cert> anchors, List<Cert> pool, List<Crl> crls) {
        this.anchors = List.copyOf(anchors);
        this.pool = List.copyOf(pool);
        this.crls = List.copyOf(crls);
        this.revocation = new Revocation(this.crls);
        for (Cert anchor : this.anchors) {
            anchorFingerprints.add(anchor.fingerprint);
            anchorsBySubject.computeIfAbsent(anchor.subject, k -> new ArrayList<>()).add(anchor);
        }
        for (Cert cert : this.pool) {
            poolBySubject.computeIfAbsent(cert.subject, k -> new ArrayList<>()).add(cert);
        }
    }

    List<Cert> anchorsNamed(X500Name subject) {
        return anchorsBySubject.getOrDefault(subject, List.of());
    }

    List<Cert> poolNamed(X500Name subject) {
        return poolBySubject.getOrDefault(subject, List.of());
    }
}
