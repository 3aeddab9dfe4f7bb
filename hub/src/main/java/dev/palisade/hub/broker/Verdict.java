package dev.palisade.hub.broker;

/**
 * The outcome of authenticating a connection.
 *
 * @param gatewayId the registered gateway the session is bound to, or null when refused
 * @param refusal why it was refused, or null when accepted
 * @param message what a field engineer reads in the log and the CONNACK reason string
 */
public record Verdict(String gatewayId, Refusal refusal, String message) {
    /** Why a connection was refused; each maps to one CONNACK reason code. */
    public enum Refusal {
        NO_CLIENT_CERTIFICATE,
        EXPIRED,
        UNKNOWN_DEVICE,
        WRONG_CREDENTIAL_KIND,
        CA_NOT_VERIFIED,
        CHAIN_INVALID,
        NOT_A_GATEWAY,
        CLIENT_ID_MISMATCH,
        WILL_TOPIC_NOT_ALLOWED,
        REGISTRY_UNAVAILABLE
    }

    static Verdict accept(String gatewayId) {
        return new Verdict(gatewayId, null, "accepted as gateway '" + gatewayId + "'");
    }

    static Verdict refuse(Refusal refusal, String message) {
        return new Verdict(null, refusal, message);
    }

    public boolean accepted() {
        return refusal == null;
    }
}
