package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Decides whether an issued chain may become the gateway's identity: its leaf must carry the
 * gateway key's public key, and the chain must validate (PKIX: order, signatures, validity,
 * CA constraints, path length) to the root the operator names, now.
 *
 * <p>Revocation is not checked here: the gateway is provisioned offline and the chain comes
 * from the operator's own CA. The hub checks revocation when the gateway connects.
 */
final class ChainCheck {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private ChainCheck() {
    }

    /**
     * @param chain leaf first, then intermediates, optionally ending with {@code root}
     * @param root the trust anchor the operator names
     * @param key the public key of the gateway's key
     * @param alias the key's alias, for messages
     * @param now the time to validate at
     * @throws IdentityException {@code CHAIN_MISMATCH} or {@code CHAIN_INVALID} with the reason
     */
    static void check(List<X509Certificate> chain, X509Certificate root, PublicKey key, String alias, Date now)
            throws IdentityException {
        if (chain.isEmpty()) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the chain is empty; give the issued leaf certificate first");
        }
        X509Certificate leaf = chain.get(0);
        if (!Arrays.equals(leaf.getPublicKey().getEncoded(), key.getEncoded())) {
            throw new IdentityException(Reason.CHAIN_MISMATCH, "the leaf certificate '" + leaf.getSubjectX500Principal().getName()
                    + "' (SHA-256 " + Certificates.fingerprint(leaf) + ") was issued for another key, not for the gateway's key '"
                    + alias + "'; install the certificate your CA issued for this gateway's CSR (palisade:identity csr)");
        }
        if (Certificates.commonName(leaf.getSubjectX500Principal()) == null) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the leaf certificate '" + leaf.getSubjectX500Principal().getName()
                    + "' has no CN: the hub knows the gateway by its leaf's subject CN");
        }
        checkClientAuth(leaf);
        List<X509Certificate> path = chain;
        if (path.size() > 1 && path.get(path.size() - 1).equals(root)) {
            path = path.subList(0, path.size() - 1);
        }
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            parameters.setRevocationEnabled(false);
            parameters.setDate(now);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (CertPathValidatorException e) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the chain does not validate to the root '"
                    + root.getSubjectX500Principal().getName() + "': " + describe(e, path), e);
        } catch (GeneralSecurityException e) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the chain cannot be validated: " + e.getMessage(), e);
        }
    }

    private static void checkClientAuth(X509Certificate leaf) throws IdentityException {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the leaf's extended key usage is malformed: " + e.getMessage(), e);
        }
        if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_EXTENDED_KEY_USAGE)) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the leaf certificate '" + leaf.getSubjectX500Principal().getName()
                    + "' does not allow TLS client authentication (extended key usage " + usages
                    + " lacks clientAuth); the gateway presents it to the hub as a TLS client");
        }
    }

    private static String describe(CertPathValidatorException e, List<X509Certificate> path) {
        String which = "";
        int index = e.getIndex();
        if (index >= 0 && index < path.size()) {
            which = "certificate " + (index + 1) + " of the chain ('" + path.get(index).getSubjectX500Principal().getName() + "'): ";
        }
        String reason = e.getReason() != null && e.getReason() != CertPathValidatorException.BasicReason.UNSPECIFIED
                ? " (" + e.getReason() + ")" : "";
        return which + e.getMessage() + reason;
    }

    /**
     * @return which key {@code chain} is for: the pending key of a rotation if its leaf carries
     *         that key, else the current key (whose own check then names a mismatch)
     * @throws IdentityException {@code CHAIN_MISMATCH} naming both keys if a rotation is pending
     *         and the leaf carries neither
     */
    static CurrentKey target(List<X509Certificate> chain, CurrentKey current, CurrentKey pending) throws IdentityException {
        if (pending == null || chain.isEmpty()) {
            return current;
        }
        X509Certificate leaf = chain.get(0);
        if (sameKey(leaf, pending.leaf())) {
            return pending;
        }
        if (sameKey(leaf, current.leaf())) {
            return current;
        }
        throw new IdentityException(Reason.CHAIN_MISMATCH, "the leaf certificate "
                + leaf.getSubjectX500Principal().getName() + " (SHA-256 " + Certificates.fingerprint(leaf)
                + ") was issued for another key, neither the gateway's key '" + current.alias()
                + "' nor the pending key '" + pending.alias() + "' of the rotation");
    }

    private static boolean sameKey(X509Certificate a, X509Certificate b) {
        return Arrays.equals(a.getPublicKey().getEncoded(), b.getPublicKey().getEncoded());
    }
}
