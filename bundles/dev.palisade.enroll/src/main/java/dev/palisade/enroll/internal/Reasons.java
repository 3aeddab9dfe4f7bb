package dev.palisade.enroll.internal;

import dev.palisade.api.enroll.HubReason;
import dev.palisade.protocol.enroll.Reason;

/**
 * The one place where the protocol's reason codes ({@link Reason}, the wire's source of truth,
 * docs/protocol.md §8) become the API's {@link HubReason}. Explicit, so that a code added to the
 * protocol without a place in the API fails to compile here instead of silently becoming
 * UNRECOGNIZED; {@code ReasonsTest} checks that both enums list the same codes.
 */
final class Reasons {

    private Reasons() {
    }

    static HubReason toApi(Reason reason) {
        return switch (reason) {
            case UNKNOWN_CA -> HubReason.UNKNOWN_CA;
            case CA_NOT_VERIFIED -> HubReason.CA_NOT_VERIFIED;
            case CHAIN_INVALID -> HubReason.CHAIN_INVALID;
            case REVOKED -> HubReason.REVOKED;
            case SUBJECT_MISMATCH -> HubReason.SUBJECT_MISMATCH;
            case NOT_ALLOWED_TO_PARENT -> HubReason.NOT_ALLOWED_TO_PARENT;
            case PARENTED_ELSEWHERE -> HubReason.PARENTED_ELSEWHERE;
            case NONCE_EXPIRED -> HubReason.NONCE_EXPIRED;
            case NONCE_REPLAYED -> HubReason.NONCE_REPLAYED;
            case UNKNOWN_ENROLLMENT -> HubReason.UNKNOWN_ENROLLMENT;
            case BAD_SIGNATURE -> HubReason.BAD_SIGNATURE;
            case BAD_GATEWAY_SIGNATURE -> HubReason.BAD_GATEWAY_SIGNATURE;
            case MODE_NOT_ALLOWED -> HubReason.MODE_NOT_ALLOWED;
            case MALFORMED -> HubReason.MALFORMED;
            case UNAVAILABLE -> HubReason.UNAVAILABLE;
            case UNRECOGNIZED -> HubReason.UNRECOGNIZED;
        };
    }

    /**
     * @return whether the refusal is about the hub's state or the exchange rather than the child
     *         (nonce expired or replayed, unknown enrollment, hub unavailable): the child stays
     *         pending and is retried on the short backoff instead of being shown as refused
     */
    static boolean transient_(Reason reason) {
        return ProofRound.retryAtOnce(reason) || reason == Reason.UNAVAILABLE;
    }
}
