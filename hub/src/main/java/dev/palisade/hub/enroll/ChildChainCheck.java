package dev.palisade.hub.enroll;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.DeviceRecord;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.Role;
import dev.palisade.pki.Names;
import dev.palisade.pki.PkiFiles;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.Reason;

/**
 * Whether a gateway may enroll a child with this chain (docs/protocol.md §4.1 steps 1–4): no
 * certificate of the chain is revoked, the chain validates to a verified CA or the leaf is a
 * registered self-signed device, the child id is the leaf's CN, and the child is something a
 * gateway may parent. The CAs and revoked certificates are read once per request or proof
 * ({@link #snapshot}), never kept longer: a CA disabled or a certificate revoked a moment ago
 * refuses the next message. The same PKIX rules (RFC 5280 path validation, Bouncy Castle's
 * implementation here for speed, {@link EnrollmentCrypto}) as the gateway authenticator: no CRLs
 * are fetched; a disabled CA or a certificate revoked with {@code palisade-hub ca revoke-cert} is
 * what revokes.
 */
final class ChildChainCheck {
    /** Bound of {@link #validated}; it is emptied when full. */
    static final int MAX_VALIDATED = 100_000;

    private final HubRegistry registry;
    private final EnrollmentStore store;
    /**
     * Chains that passed PKIX, by the SHA-256 of their certificates' DER, with the thumbprint of
     * the verified CA they led to. What PKIX decided about the same bytes and the same anchor
     * certificate holds again (signatures, constraints, key usage) except validity dates, so a
     * chain seen before — at the request, then again at its proof — is accepted without its
     * signatures being verified again if that CA is still verified and every certificate is
     * within its dates at {@code now}. Revocation, CA status and the child rules are checked
     * every time. Only in this process: another hub node validates the chain itself.
     */
    private final ConcurrentHashMap<String, String> validated = new ConcurrentHashMap<>();
    /**
     * The verified CAs as PKIX anchors by thumbprint (the SHA-256 of the certificate's DER, so an
     * entry is that very certificate), decoded once rather than once per message; which of them
     * are verified is still read from the registry for every message.
     */
    private final ConcurrentHashMap<String, TrustAnchor> anchorCache = new ConcurrentHashMap<>();

    ChildChainCheck(HubRegistry registry, EnrollmentStore store) {
        this.registry = registry;
        this.store = store;
    }

    /** The CAs and revoked certificates as they are now, for the children of one message. */
    Snapshot snapshot(X509Certificate[] gatewayChain, Instant now) throws RegistryException {
        Map<String, EnrollmentStore.RevokedCertificate> revoked = new HashMap<>();
        for (EnrollmentStore.RevokedCertificate r : store.listRevoked()) {
            revoked.put(r.thumbprint(), r);
        }
        return new Snapshot(registry.listCas(), revoked, store.parentPolicies(), gatewayChain, now);
    }

    /** One message's view of the registry; not kept beyond it. */
    final class Snapshot {
        private final List<CaRecord> cas;
        private final Map<String, EnrollmentStore.RevokedCertificate> revoked;

        /** The verified CAs as PKIX anchors, decoded once per message rather than once per child. */
        private final Set<TrustAnchor> anchors = new HashSet<>();
        private final Set<String> verifiedThumbprints = new HashSet<>();
        private final Map<String, EnrollmentStore.ParentPolicy> policies;
        /** The thumbprint of the verified CA the session's gateway certificate leads to, or null. */
        private final String gatewayCa;

        private Snapshot(List<CaRecord> cas, Map<String, EnrollmentStore.RevokedCertificate> revoked,
                Map<String, EnrollmentStore.ParentPolicy> policies, X509Certificate[] gatewayChain, Instant now)
                throws RegistryException {
            this.cas = cas;
            this.revoked = revoked;
            this.policies = policies;
            for (CaRecord ca : cas) {
                if (ca.status() == CaStatus.VERIFIED) {
                    anchors.add(anchorFor(ca));
                    verifiedThumbprints.add(ca.thumbprint());
                }
            }
            this.gatewayCa = gatewayChain == null ? null : anchorOf(gatewayChain, now);
        }

        /** The verified CA a gateway's TLS chain leads to, or null (self-signed, or no longer valid). */
        private String anchorOf(X509Certificate[] gatewayChain, Instant now) {
            List<byte[]> der = new ArrayList<>();
            List<X509Certificate> chain = new ArrayList<>();
            try {
                for (X509Certificate c : gatewayChain) {
                    der.add(c.getEncoded());
                    chain.add(c);
                }
            } catch (CertificateException e) {
                return null;
            }
            if (chain.isEmpty()) {
                return null;
            }
            Chain result = validate(chain, der, now);
            return result.refusal() == null ? result.anchor() : null;
        }

        /**
         * The authorisation rule (docs/protocol.md §4.1 step 5): children of a CA may be parented
         * by the gateways its policy names, or by default by gateways whose own certificate leads
         * to the same CA; attest only if the policy allows it.
         */
        private Optional<Refusal> mayParent(String gateway, String child, Mode mode, String anchor) {
            EnrollmentStore.ParentPolicy policy = policies.get(anchor);
            String caName = cas.stream().filter(ca -> ca.thumbprint().equals(anchor)).map(CaRecord::name).findFirst()
                    .orElse(anchor);
            if (policy != null && !policy.attest() && mode == Mode.ATTEST) {
                return refuse(Reason.MODE_NOT_ALLOWED, "CA '" + caName + "' does not accept the attest mode for its children"
                        + " ('" + child + "')");
            }
            if (policy != null && policy.gateways() != null) {
                return policy.gateways().contains(gateway) ? Optional.empty()
                        : refuse(Reason.NOT_ALLOWED_TO_PARENT, "gateway '" + gateway + "' is not among the gateways CA '" + caName
                                + "' lets parent its children ('" + child + "'; palisade-hub ca parents)");
            }
            return anchor.equals(gatewayCa) ? Optional.empty()
                    : refuse(Reason.NOT_ALLOWED_TO_PARENT, "gateway '" + gateway + "' does not chain to CA '" + caName
                            + "', which issued '" + child + "'; only its own gateways may parent its children unless"
                            + " palisade-hub ca parents says otherwise");
        }

        /** @return the refusal, or empty if the child may be enrolled by {@code gateway} */
        Optional<Refusal> check(String gateway, String child, Mode mode, List<byte[]> chainDer, Instant now) {
            List<X509Certificate> chain;
            try {
                chain = decode(chainDer);
            } catch (CertificateException e) {
                return refuse(Reason.CHAIN_INVALID, "the chain of '" + child + "' does not parse: " + e.getMessage());
            }
            return check(gateway, child, mode, chainDer, chain, now);
        }

        /**
         * As {@link #check(String, String, Mode, List, Instant)} with the chain already decoded
         * ({@link ChildChainCheck#decode}) from {@code chainDer}: the proof decodes it once for
         * the child's key and this check.
         */
        Optional<Refusal> check(String gateway, String child, Mode mode, List<byte[]> chainDer, List<X509Certificate> chain,
                Instant now) {
            X509Certificate leaf = chain.get(0);
            for (X509Certificate c : chain) {
                EnrollmentStore.RevokedCertificate r = revoked.get(PkiFiles.thumbprint(c));
                if (r != null) {
                    return refuse(Reason.REVOKED, (c == leaf ? "the certificate of '" + child + "'" : "the chain of '" + child
                            + "' holds a certificate that") + " (" + r.subject() + ", serial " + r.serial() + ") was revoked at "
                            + r.revoked());
                }
            }
            try {
                Optional<DeviceRecord> selfSigned = registry.findDeviceByThumbprint(PkiFiles.thumbprint(leaf));
                String anchor = null;
                if (selfSigned.isEmpty()) {
                    Chain result = checkChain(child, chain, chainDer, now);
                    if (result.refusal() != null) {
                        return Optional.of(result.refusal());
                    }
                    anchor = result.anchor();
                } else if (!selfSigned.get().id().equals(child)) {
                    return refuse(Reason.SUBJECT_MISMATCH, "the certificate of '" + child + "' is registered for device '"
                            + selfSigned.get().id() + "'");
                }
                String cn = Names.commonName(leaf);
                if (!child.equals(cn)) {
                    return refuse(Reason.SUBJECT_MISMATCH, "child id '" + child + "' is not the certificate's subject CN ('" + cn + "')");
                }
                if (child.equals(gateway)) {
                    return refuse(Reason.NOT_ALLOWED_TO_PARENT, "gateway '" + gateway + "' cannot be its own child");
                }
                Optional<DeviceRecord> registered = registry.findDevice(child);
                if (registered.isPresent() && registered.get().role() == Role.GATEWAY) {
                    return refuse(Reason.NOT_ALLOWED_TO_PARENT, "'" + child + "' is registered as a gateway; a gateway is nobody's child");
                }
                if (registered.isPresent() && registered.get().kind() == CredentialKind.TOKEN) {
                    return refuse(Reason.NOT_ALLOWED_TO_PARENT, "'" + child + "' is registered with a token credential;"
                            + " a device has one credential kind");
                }
                if (registered.isPresent() && registered.get().kind() == CredentialKind.SELF_SIGNED && selfSigned.isEmpty()) {
                    return refuse(Reason.NOT_ALLOWED_TO_PARENT, "'" + child + "' is registered with a self-signed certificate"
                            + " (thumbprint " + registered.get().primaryThumbprint() + "); this certificate is not it");
                }
                return anchor == null ? Optional.empty() : mayParent(gateway, child, mode, anchor);
            } catch (RegistryException e) {
                return refuse(Reason.UNAVAILABLE, e.getMessage());
            }
        }

        /** PKIX to a verified CA: the CA's thumbprint, or the refusal. */
        private Chain validate(List<X509Certificate> chain, List<byte[]> chainDer, Instant now) {
            String key = chainKey(chainDer);
            String anchor = validated.get(key);
            if (anchor != null && verifiedThumbprints.contains(anchor) && withinDates(chain, now)) {
                return new Chain(null, anchor, null);
            }
            // PKIX gets the path without any certificate that is itself a verified CA (the anchor).
            List<X509Certificate> path = new ArrayList<>();
            for (X509Certificate c : chain) {
                if (verifiedThumbprints.contains(PkiFiles.thumbprint(c))) {
                    break;
                }
                path.add(c);
            }
            String validationError = null;
            if (!anchors.isEmpty()) {
                try {
                    PKIXParameters params = new PKIXParameters(anchors);
                    params.setRevocationEnabled(false);
                    params.setDate(Date.from(now));
                    // Bouncy Castle's PKIX: the JDK's, given Bouncy Castle certificates, still verifies
                    // their signatures with SunEC (it asks for the platform's provider), ~5x slower.
                    PKIXCertPathValidatorResult result = (PKIXCertPathValidatorResult) CertPathValidator
                            .getInstance("PKIX", EnrollmentCrypto.PROVIDER)
                            .validate(CertificateFactory.getInstance("X.509", EnrollmentCrypto.PROVIDER).generateCertPath(path), params);
                    if (validated.size() >= MAX_VALIDATED) {
                        validated.clear();
                    }
                    String found = PkiFiles.thumbprint(result.getTrustAnchor().getTrustedCert());
                    validated.put(key, found);
                    return new Chain(null, found, null);
                } catch (CertPathValidatorException e) {
                    validationError = e.getMessage();
                } catch (GeneralSecurityException e) {
                    return new Chain(new Refusal(Reason.CHAIN_INVALID, "cannot be checked: " + e.getMessage()), null, null);
                }
            }
            return new Chain(null, null, validationError);
        }

        private Chain checkChain(String child, List<X509Certificate> chain, List<byte[]> chainDer, Instant now) {
            Chain result = validate(chain, chainDer, now);
            if (result.anchor() != null) {
                return result;
            }
            if (result.refusal() != null) {
                return new Chain(new Refusal(Reason.CHAIN_INVALID, "the chain of '" + child + "' " + result.refusal().detail()),
                        null, null);
            }
            String validationError = result.error();
            for (CaRecord ca : cas) {
                boolean named = chain.stream().anyMatch(c -> PkiFiles.thumbprint(c).equals(ca.thumbprint())
                        || c.getIssuerX500Principal().getName().equals(ca.subject()));
                if (!named) {
                    continue;
                }
                if (ca.status() == CaStatus.PENDING) {
                    return chainRefusal(Reason.CA_NOT_VERIFIED, "'" + child + "' chains to CA '" + ca.name()
                            + "', which is pending: its owner has not proven possession of its key");
                }
                if (ca.status() == CaStatus.DISABLED) {
                    return chainRefusal(Reason.REVOKED, "'" + child + "' chains to CA '" + ca.name() + "', which is disabled");
                }
                return chainRefusal(Reason.CHAIN_INVALID, "the chain of '" + child + "' does not validate to CA '" + ca.name() + "': "
                        + validationError);
            }
            return chainRefusal(Reason.UNKNOWN_CA, "the chain of '" + child + "' (issuer " + chain.get(chain.size() - 1)
                    .getIssuerX500Principal().getName() + ") leads to no CA registered at this hub"
                    + (anchors.isEmpty() ? "" : " (" + String.valueOf(validationError).toLowerCase(Locale.ROOT) + ")"));
        }
    }

    /** What PKIX found: a refusal, or the verified CA's thumbprint, or neither (then {@code error} says why). */
    private record Chain(Refusal refusal, String anchor, String error) {
    }

    private static Chain chainRefusal(Reason reason, String detail) {
        return new Chain(new Refusal(reason, detail), null, null);
    }

    private static boolean withinDates(List<X509Certificate> chain, Instant now) {
        Date at = Date.from(now);
        for (X509Certificate c : chain) {
            if (at.before(c.getNotBefore()) || at.after(c.getNotAfter())) {
                return false;
            }
        }
        return true;
    }

    private static String chainKey(List<byte[]> chainDer) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] der : chainDer) {
                sha.update(ByteBuffer.allocate(4).putInt(der.length).array());
                sha.update(der);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Decodes a chain as Bouncy Castle certificates ({@link EnrollmentCrypto}): their signatures,
     * at PKIX, and their keys, at the proof, are then verified with Bouncy Castle, not SunEC.
     */
    static List<X509Certificate> decode(List<byte[]> chainDer) throws CertificateException {
        return EnrollmentCrypto.decode(chainDer);
    }

    /** A verified CA as a PKIX anchor, decoded once per certificate. */
    private TrustAnchor anchorFor(CaRecord ca) throws RegistryException {
        TrustAnchor anchor = anchorCache.get(ca.thumbprint());
        if (anchor != null) {
            return anchor;
        }
        X509Certificate cert;
        try {
            cert = decode(List.of(ca.certificate())).get(0);
        } catch (CertificateException e) {
            throw new RegistryException(RegistryException.Reason.UNAVAILABLE, "the registry's certificate of CA '" + ca.name()
                    + "' cannot be read: " + e.getMessage(), e);
        }
        if (!PkiFiles.thumbprint(cert).equals(ca.thumbprint())) { // the cache's key must name these very bytes
            return new TrustAnchor(cert, null);
        }
        if (anchorCache.size() >= MAX_VALIDATED) {
            anchorCache.clear();
        }
        anchor = new TrustAnchor(cert, null);
        anchorCache.put(ca.thumbprint(), anchor);
        return anchor;
    }

    private static Optional<Refusal> refuse(Reason reason, String detail) {
        return Optional.of(new Refusal(reason, detail));
    }
}
