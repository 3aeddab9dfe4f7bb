package dev.palisade.hub.registry;

import java.time.Instant;

/**
 * A registered CA certificate.
 *
 * @param name the operator's name for it (unique)
 * @param subject its subject DN, for display
 * @param thumbprint SHA-256 over its DER encoding, lower-case hex (unique)
 * @param certificate its DER encoding
 * @param status where it stands
 * @param code the outstanding verification code, or null
 * @param codeIssued when that code was issued, or null
 * @param codeExpires when that code stops being accepted, or null
 * @param created when it was uploaded
 * @param verified when its proof of possession passed, or null
 */
public record CaRecord(String name, String subject, String thumbprint, byte[] certificate, CaStatus status,
        String code, Instant codeIssued, Instant codeExpires, Instant created, Instant verified) {
}
