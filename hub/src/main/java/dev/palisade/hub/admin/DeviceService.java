package dev.palisade.hub.admin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.DeviceRecord;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.RegistryException.Reason;
import dev.palisade.hub.registry.Role;
import dev.palisade.pki.PkiFiles;

/** Device and gateway registration: exactly one credential kind per device. */
public final class DeviceService {
    /** Ids are single MQTT topic levels: no '/', '+', '#', and nothing a shell or log would mangle. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The result of adding a device: the record, and the token when one was generated (shown once). */
    public record Added(DeviceRecord device, String token) {
    }

    private final HubRegistry registry;
    private final Clock clock;
    private final Audited audited;

    public DeviceService(HubRegistry registry, Clock clock, String actor) {
        this.registry = registry;
        this.clock = clock;
        this.audited = new Audited(registry, clock, actor);
    }

    /**
     * Registers a device.
     *
     * @param kinds the credential kinds the operator asked for; exactly one is accepted
     * @param primary for {@link CredentialKind#SELF_SIGNED}: the certificate; else null
     * @param secondary for self-signed: the rollover certificate, or null
     */
    public Added add(String id, Role role, List<CredentialKind> kinds, X509Certificate primary,
            X509Certificate secondary) throws RegistryException {
        String detail = role.name().toLowerCase(java.util.Locale.ROOT) + ", credential "
                + kinds.stream().map(CredentialKind::label).reduce((a, b) -> a + "+" + b).orElse("none");
        return audited.run("device add", id, detail, () -> {
            if (!ID.matcher(id).matches()) {
                throw new RegistryException(Reason.REFUSED, "'" + id + "' is not a usable device id: letters, digits,"
                        + " '.', '_', ':', '-', at most 128, starting with a letter or digit");
            }
            if (kinds.size() != 1) {
                throw new RegistryException(Reason.REFUSED, "device '" + id + "': a device has exactly one credential"
                        + " kind (a CA chain, a self-signed certificate or a token), "
                        + (kinds.isEmpty() ? "none was given" : "got " + detail.substring(detail.indexOf("credential ") + 11)));
            }
            CredentialKind kind = kinds.get(0);
            var existing = registry.findDevice(id);
            if (existing.isPresent()) {
                CredentialKind has = existing.get().kind();
                throw new RegistryException(Reason.CONFLICT, has == kind
                        ? "device '" + id + "' is already registered (" + has.label() + ")"
                        : "device '" + id + "' already has a " + has.label() + " credential; a device has exactly one"
                                + " credential kind, so it cannot also have a " + kind.label()
                                + " credential (remove it first to change kind)");
            }
            if (role == Role.GATEWAY && kind == CredentialKind.TOKEN) {
                throw new RegistryException(Reason.REFUSED, "gateway '" + id + "': gateways authenticate with mutual"
                        + " TLS only; register a CA chain or a self-signed certificate, not a token");
            }
            String token = null;
            DeviceRecord record = switch (kind) {
                case CA_CHAIN -> new DeviceRecord(id, role, kind, null, null, null, null, null, clock.instant());
                case SELF_SIGNED -> {
                    requireSelfSigned(id, primary, "primary");
                    if (secondary != null) {
                        requireSelfSigned(id, secondary, "secondary");
                    }
                    yield new DeviceRecord(id, role, kind, PkiFiles.thumbprint(primary), der(primary),
                            secondary == null ? null : PkiFiles.thumbprint(secondary),
                            secondary == null ? null : der(secondary), null, clock.instant());
                }
                case TOKEN -> {
                    byte[] raw = new byte[32];
                    RANDOM.nextBytes(raw);
                    String t = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
                    token = t;
                    yield new DeviceRecord(id, role, kind, null, null, null, null, tokenHash(t), clock.instant());
                }
            };
            registry.addDevice(record);
            return new Added(record, token);
        });
    }

    /** @return whether {@code id} is a usable device or gateway id */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public List<DeviceRecord> list() throws RegistryException {
        return registry.listDevices();
    }

    public DeviceRecord show(String id) throws RegistryException {
        return registry.findDevice(id).orElseThrow(() -> new RegistryException(Reason.NOT_FOUND,
                "no device '" + id + "' (see `palisade-hub device list`)"));
    }

    public void remove(String id) throws RegistryException {
        audited.run("device remove", id, "removed", () -> {
            if (!registry.removeDevice(id)) {
                throw new RegistryException(Reason.NOT_FOUND, "no device '" + id + "'");
            }
            return null;
        });
    }

    /** SHA-256 of a token, hex: the only form in which the hub keeps tokens. */
    public static String tokenHash(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireSelfSigned(String id, X509Certificate cert, String which) throws RegistryException {
        if (cert == null) {
            throw new RegistryException(Reason.REFUSED, "device '" + id + "': a self-signed credential needs the "
                    + which + " certificate");
        }
        boolean selfSigned = cert.getIssuerX500Principal().equals(cert.getSubjectX500Principal());
        if (selfSigned) {
            try {
                cert.verify(cert.getPublicKey());
            } catch (GeneralSecurityException e) {
                selfSigned = false;
            }
        }
        if (!selfSigned) {
            throw new RegistryException(Reason.REFUSED, "device '" + id + "': the " + which + " certificate "
                    + cert.getSubjectX500Principal().getName() + " is not self-signed; for a certificate issued by a"
                    + " CA, verify the CA and register the device with --ca-chain");
        }
    }

    private static byte[] der(X509Certificate cert) throws RegistryException {
        try {
            return cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new RegistryException(Reason.REFUSED, "cannot encode " + cert.getSubjectX500Principal(), e);
        }
    }
}
