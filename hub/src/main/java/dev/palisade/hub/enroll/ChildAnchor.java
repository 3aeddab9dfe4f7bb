package dev.palisade.hub.enroll;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.hub.admin.CertificateCodec;
import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.pki.PkiFiles;

/**
 * Which verified CA a child's chain (already validated) leads to: the CA its relation depends on,
 * recorded with it so that the child-topic rule suspends the relation while that CA is disabled
 * or removed (docs/protocol.md §11). The same rule as the chain check's path: the chain up to the
 * first certificate that is itself a verified CA (then that is the anchor), else the verified CA
 * that issued the chain's last certificate (by subject, and by signature only if two verified CAs
 * share that subject). One message's view of the CAs; no registry read per child.
 */
final class ChildAnchor {
    private record Ca(String thumbprint, X509Certificate certificate) {
    }

    private final List<Ca> verified = new ArrayList<>();

    ChildAnchor(List<CaRecord> cas) throws RegistryException {
        for (CaRecord ca : cas) {
            if (ca.status() == CaStatus.VERIFIED) {
                verified.add(new Ca(ca.thumbprint(), CertificateCodec.decode(ca.certificate(), "CA '" + ca.name() + "'")));
            }
        }
    }

    /** @return the thumbprint of the verified CA the chain leads to, or null (none: a registered device) */
    String of(List<X509Certificate> chain) {
        X509Certificate last = null;
        for (X509Certificate c : chain) {
            String thumbprint = PkiFiles.thumbprint(c);
            for (Ca ca : verified) {
                if (ca.thumbprint().equals(thumbprint)) {
                    return thumbprint;
                }
            }
            last = c;
        }
        if (last == null) {
            return null;
        }
        List<Ca> named = new ArrayList<>();
        for (Ca ca : verified) {
            if (ca.certificate().getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
                named.add(ca);
            }
        }
        if (named.size() == 1) {
            return named.get(0).thumbprint();
        }
        for (Ca ca : named) {
            try {
                last.verify(ca.certificate().getPublicKey());
                return ca.thumbprint();
            } catch (GeneralSecurityException e) {
                // not this one
            }
        }
        return null;
    }
}
