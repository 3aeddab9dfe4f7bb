package dev.palisade.hub.broker;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.palisade.hub.admin.CertificateCodec;
import dev.palisade.hub.broker.Verdict.Refusal;
import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.DeviceRecord;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.Role;
import dev.palisade.pki.Names;
import dev.palisade.pki.PkiFiles;

/**
 * Decides who a mutual-TLS connection is. The TLS layer has already checked that the client
 * holds the key of its certificate and that the chain reaches some certificate the hub knows;
 * this is the authoritative check against the registry, made on every connection, so a CA
 * disabled or a device removed a moment ago is refused at once (decoded CAs are reused only
 * while the registry's trust generation is unchanged).
 */
public final class GatewayAuthenticator {
    private final HubRegistry registry;
    /** Decoded verified CAs, valid while the registry's trust generation is unchanged. */
    private volatile Anchors anchors;

    private record Anchors(long generation, Set<TrustAnchor> trustAnchors, List<X509Certificate> verified) {
    }

    public GatewayAuthenticator(HubRegistry registry) {
        this.registry = registry;
    }

    /**
     * The verified CAs, decoded once per trust generation: every change to a CA's status moves
     * the generation, so this is as fresh as reading them on each connection, without decoding
     * every CA certificate for every CONNECT (bench/jmh/hub.sh).
     */
    private Anchors anchors() throws RegistryException {
        long generation = registry.trustGeneration();
        Anchors current = anchors;
        if (current != null && current.generation() == generation) {
            return current;
        }
        Set<TrustAnchor> trustAnchors = new HashSet<>();
        List<X509Certificate> verified = new ArrayList<>();
        for (CaRecord ca : registry.listCas()) {
            if (ca.status() == CaStatus.VERIFIED) {
                X509Certificate cert = CertificateCodec.decode(ca.certificate(), "CA '" + ca.name() + "'");
                trustAnchors.add(new TrustAnchor(cert, null));
                verified.add(cert);
            }
        }
        // Read after the generation: if the list is newer, the next call sees a newer generation.
        current = new Anchors(generation, Set.copyOf(trustAnchors), List.copyOf(verified));
        anchors = current;
        return current;
    }

    /**
     * @param clientId the MQTT client id from CONNECT
     * @param chain the client's certificate chain, leaf first; null or empty without one
     * @param willTopic the CONNECT's will topic, or null
     */
    public Verdict authenticate(String clientId, X509Certificate[] chain, String willTopic, Instant now) {
        if (chain == null || chain.length == 0) {
            return Verdict.refuse(Refusal.NO_CLIENT_CERTIFICATE, "no client certificate: the hub accepts mutual TLS only");
        }
        X509Certificate leaf = chain[0];
        if (leaf.getNotAfter().toInstant().isBefore(now) || leaf.getNotBefore().toInstant().isAfter(now)) {
            return Verdict.refuse(Refusal.EXPIRED, "client certificate " + leaf.getSubjectX500Principal().getName()
                    + " is not valid now (" + leaf.getNotBefore().toInstant() + " .. " + leaf.getNotAfter().toInstant() + ")");
        }
        try {
            Optional<DeviceRecord> bySelfSigned = registry.findDeviceByThumbprint(PkiFiles.thumbprint(leaf));
            DeviceRecord device;
            if (bySelfSigned.isPresent()) {
                device = bySelfSigned.get();
            } else {
                String cn = Names.commonName(leaf);
                Optional<DeviceRecord> byName = cn == null ? Optional.empty() : registry.findDevice(cn);
                if (byName.isEmpty()) {
                    return Verdict.refuse(Refusal.UNKNOWN_DEVICE, "no device is registered for the client certificate "
                            + leaf.getSubjectX500Principal().getName() + " (CN " + cn + ")");
                }
                device = byName.get();
                if (device.kind() != CredentialKind.CA_CHAIN) {
                    return Verdict.refuse(Refusal.WRONG_CREDENTIAL_KIND, "device '" + cn + "' is registered with a "
                            + device.kind().label() + " credential, and this certificate is not it");
                }
                Verdict chainVerdict = checkChain(cn, chain, now);
                if (chainVerdict != null) {
                    return chainVerdict;
                }
            }
            if (device.role() != Role.GATEWAY) {
                return Verdict.refuse(Refusal.NOT_A_GATEWAY, "'" + device.id() + "' is registered as a device, not a"
                        + " gateway; devices reach the hub through their gateway");
            }
            if (!device.id().equals(clientId)) {
                return Verdict.refuse(Refusal.CLIENT_ID_MISMATCH, "the certificate names gateway '" + device.id()
                        + "' but the MQTT client id is '" + clientId + "'; they must be equal");
            }
            if (willTopic != null && !TopicPolicy.mayPublish(device.id(), willTopic)) {
                return Verdict.refuse(Refusal.WILL_TOPIC_NOT_ALLOWED, "gateway '" + device.id() + "' may not set a will"
                        + " on '" + willTopic + "', only under " + TopicPolicy.prefix(device.id()));
            }
            if (willTopic != null && !TopicPolicy.mayWill(device.id(), willTopic)) {
                return Verdict.refuse(Refusal.WILL_TOPIC_NOT_ALLOWED, "gateway '" + device.id() + "' may not set a will"
                        + " on '" + willTopic + "': a will is published by the broker, past the child-topic and"
                        + " enrollment rules, so it may not be under " + TopicPolicy.prefix(device.id()) + "d/ or …/enroll/");
            }
            return Verdict.accept(device.id());
        } catch (RegistryException e) {
            return Verdict.refuse(Refusal.REGISTRY_UNAVAILABLE, e.getMessage());
        }
    }

    /** Null when the chain validates to a verified CA; else the refusal. */
    private Verdict checkChain(String deviceId, X509Certificate[] chain, Instant now) throws RegistryException {
        Anchors known = anchors();
        Set<TrustAnchor> anchors = known.trustAnchors();
        List<X509Certificate> verified = known.verified();
        // The path handed to PKIX stops before the first certificate that is itself a verified CA.
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (verified.contains(c)) {
                break;
            }
            path.add(c);
        }
        if (!anchors.isEmpty()) {
            try {
                PKIXParameters params = new PKIXParameters(anchors);
                // Revocation is the trust bundle's business on the gateway; the hub's registry
                // answers "is this CA still trusted" by its status.
                params.setRevocationEnabled(false);
                params.setDate(Date.from(now));
                CertPathValidator.getInstance("PKIX").validate(
                        CertificateFactory.getInstance("X.509").generateCertPath(path), params);
                return null;
            } catch (CertPathValidatorException e) {
                Verdict unverified = unverifiedCa(deviceId, chain, registry.listCas());
                return unverified != null ? unverified : Verdict.refuse(Refusal.CHAIN_INVALID, "the certificate chain of '"
                        + deviceId + "' does not validate to a verified CA: " + e.getMessage());
            } catch (GeneralSecurityException e) {
                return Verdict.refuse(Refusal.CHAIN_INVALID, "the certificate chain of '" + deviceId
                        + "' cannot be checked: " + e.getMessage());
            }
        }
        Verdict unverified = unverifiedCa(deviceId, chain, registry.listCas());
        return unverified != null ? unverified
                : Verdict.refuse(Refusal.CA_NOT_VERIFIED, "no verified CA: '" + deviceId + "' cannot be authenticated");
    }

    /** Names a registered but unverified (pending or disabled) CA the chain leads to, if any. */
    private static Verdict unverifiedCa(String deviceId, X509Certificate[] chain, List<CaRecord> cas) {
        for (CaRecord ca : cas) {
            if (ca.status() == CaStatus.VERIFIED) {
                continue;
            }
            boolean named = Arrays.stream(chain).anyMatch(c -> PkiFiles.thumbprint(c).equals(ca.thumbprint())
                    || c.getIssuerX500Principal().getName().equals(ca.subject()));
            if (named) {
                return Verdict.refuse(Refusal.CA_NOT_VERIFIED, "'" + deviceId + "' chains to CA '" + ca.name()
                        + "', which is " + ca.status().name().toLowerCase(java.util.Locale.ROOT)
                        + ": an unverified or disabled CA authenticates nothing");
            }
        }
        return null;
    }
}
