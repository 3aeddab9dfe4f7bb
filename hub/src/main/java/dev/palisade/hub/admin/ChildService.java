package dev.palisade.hub.admin;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.EnrollmentStore.ChildRecord;
import dev.palisade.hub.registry.EnrollmentStore.RevokedCertificate;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.RegistryException.Reason;
import dev.palisade.pki.PkiFiles;

/**
 * The operator's view of enrolled children (docs/hub.md, "Children"): list them, end a
 * parent–child relation, and revoke a certificate so that it is refused at enrollment and any
 * child enrolled with it is unenrolled. Every change is audited, refused or not. The running hub
 * applies a change made here within half a second (it watches the database's change counter).
 */
public final class ChildService {
    private final EnrollmentStore store;
    private final Clock clock;
    private final Audited audited;

    public ChildService(HubRegistry registry, EnrollmentStore store, Clock clock, String actor) {
        this.store = store;
        this.clock = clock;
        this.audited = new Audited(registry, clock, actor);
    }

    /** @param gateway only this gateway's children, or null for all */
    public List<ChildRecord> list(String gateway) throws RegistryException {
        return store.listChildren(gateway);
    }

    /** Ends the child's relation with its parent, whichever gateway that is. */
    public ChildRecord remove(String child) throws RegistryException {
        ChildRecord[] removed = new ChildRecord[1];
        audited.run("child remove", child, () -> {
            Optional<ChildRecord> r = store.removeChild(child);
            if (r.isEmpty()) {
                throw new RegistryException(Reason.NOT_FOUND, "no enrolled child '" + child + "' (see `palisade-hub child list`)");
            }
            removed[0] = r.get();
            return null;
        }, () -> "was a child of gateway '" + removed[0].gateway() + "' (" + removed[0].mode() + ")");
        return removed[0];
    }

    /**
     * Revokes a certificate: refused at enrollment from now on, wherever it is in a child's chain,
     * and every child enrolled with it as its own certificate is unenrolled.
     *
     * @return the children so unenrolled
     */
    public List<ChildRecord> revoke(X509Certificate certificate) throws RegistryException {
        RevokedCertificate r = new RevokedCertificate(PkiFiles.thumbprint(certificate),
                certificate.getSubjectX500Principal().getName(), certificate.getIssuerX500Principal().getName(),
                certificate.getSerialNumber().toString(16), clock.instant());
        @SuppressWarnings("unchecked")
        List<ChildRecord>[] unenrolled = new List[1];
        audited.run("ca revoke-cert", r.subject(), () -> {
            unenrolled[0] = store.revoke(r);
            return null;
        }, () -> "thumbprint " + r.thumbprint() + ", serial " + r.serial() + "; children unenrolled: "
                + (unenrolled[0].isEmpty() ? "none" : String.join(", ", unenrolled[0].stream().map(ChildRecord::child).toList())));
        return unenrolled[0];
    }

    /**
     * Sets which gateways may parent children whose chain leads to CA {@code caName}.
     *
     * @param gateways the gateway ids, or null for the default (gateways whose certificate leads to the same CA)
     * @param attest whether children of this CA may be enrolled in the attest mode
     */
    public EnrollmentStore.ParentPolicy setParents(HubRegistry registry, String caName, java.util.Set<String> gateways,
            boolean attest) throws RegistryException {
        EnrollmentStore.ParentPolicy[] set = new EnrollmentStore.ParentPolicy[1];
        audited.run("ca parents", caName, () -> {
            String thumbprint = registry.findCa(caName).orElseThrow(() -> new RegistryException(Reason.NOT_FOUND,
                    "no CA named '" + caName + "' (see `palisade-hub ca list`)")).thumbprint();
            set[0] = new EnrollmentStore.ParentPolicy(thumbprint, gateways, attest);
            store.setParentPolicy(set[0]);
            return null;
        }, () -> (gateways == null ? "any gateway of the CA" : "gateways " + String.join(",", new java.util.TreeSet<>(gateways)))
                + (attest ? "" : "; attest refused"));
        return set[0];
    }

    /**
     * Fixes the one gateway that may enroll {@code device} as its child ({@code device add
     * --parent}), or with null lets any gateway the other rules admit.
     */
    public void setDeviceParent(String device, String gateway) throws RegistryException {
        audited.run("device parent", device, () -> {
            store.setDeviceParent(device, gateway);
            return null;
        }, () -> gateway == null ? "no fixed parent" : "only gateway '" + gateway + "' may enroll it");
    }

    /** @return the gateway fixed as the device's parent, or null */
    public String deviceParent(String device) throws RegistryException {
        return store.deviceParents().get(device);
    }

    /** @return every CA's explicit parent policy, by CA thumbprint */
    public java.util.Map<String, EnrollmentStore.ParentPolicy> parentPolicies() throws RegistryException {
        return store.parentPolicies();
    }

    public List<RevokedCertificate> revoked() throws RegistryException {
        return store.listRevoked();
    }
}
