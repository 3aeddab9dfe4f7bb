package dev.palisade.hub.registry;

import java.time.Instant;

/**
 * A registered device or gateway.
 *
 * @param id the device id (for CA-chain credentials, the certificate's subject CN)
 * @param role gateway or device
 * @param kind its one credential kind
 * @param primaryThumbprint for {@link CredentialKind#SELF_SIGNED}: the primary certificate's thumbprint
 * @param primaryCertificate for self-signed: the primary certificate, DER
 * @param secondaryThumbprint for self-signed: the secondary (rollover) thumbprint, or null
 * @param secondaryCertificate for self-signed: the secondary certificate, DER, or null
 * @param tokenHash for {@link CredentialKind#TOKEN}: SHA-256 of the token, hex
 * @param created when it was registered
 */
public record DeviceRecord(String id, Role role, CredentialKind kind, String primaryThumbprint,
        byte[] primaryCertificate, String secondaryThumbprint, byte[] secondaryCertificate, String tokenHash,
        Instant created) {
}
