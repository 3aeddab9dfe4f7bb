package dev.palisade.hub.registry;

import java.time.Instant;

/**
 * One administrative action, recorded whether it succeeded or was refused.
 *
 * @param sequence position in the log (assigned by the registry; 0 before it is stored)
 * @param at when it happened
 * @param actor who did it (operating-system user and channel)
 * @param action what was asked, e.g. {@code ca verify}
 * @param target the CA name or device id concerned
 * @param outcome {@code ok} or {@code refused}
 * @param detail the reason for a refusal, or a short description; never a secret
 */
public record AuditEntry(long sequence, Instant at, String actor, String action, String target, String outcome,
        String detail) {
}
