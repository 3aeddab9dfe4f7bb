package dev.palisade.trust.internal;

import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * CRLs beyond a domain's files: those fetched from distribution points. The verifier asks for an
 * issuer's CRLs and tells the source which paths needed revocation; it never waits for the
 * network (fetching happens in the background). Every CRL handed out is still checked at use,
 * like a CRL from a file: issuer, cRLSign, signature, freshness under the domain's policy.
 */
interface CrlSource {

    /** No CRLs beyond the domain's files (the offline CLI, tests). */
    CrlSource NONE = new CrlSource() {
        @Override
        public List<Crl> crlsOf(X500Name issuer) {
            return List.of();
        }

        @Override
        public void observe(List<Cert> path) {
        }
    };

    /** @return the CRLs held for this issuer name, possibly none; never blocks */
    List<Crl> crlsOf(X500Name issuer);

    /**
     * A path, leaf first, whose signatures and profile verified and that now needs revocation
     * status: its certificates' distribution points may be fetched, each CRL to be checked
     * against the next certificate up. Must return at once.
     */
    void observe(List<Cert> path);
}
