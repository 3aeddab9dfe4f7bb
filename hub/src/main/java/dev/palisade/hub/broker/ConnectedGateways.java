package dev.palisade.hub.broker;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateways connected to this broker node, with what they authenticated with, so that a
 * registry change (a CA disabled, a gateway removed) can be applied to sessions already open,
 * not only to the next connection.
 */
final class ConnectedGateways {
    private record Session(X509Certificate[] chain, String willTopic) {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    void remember(String gatewayId, X509Certificate[] chain, String willTopic) {
        sessions.put(gatewayId, new Session(chain, willTopic));
    }

    void forget(String clientId) {
        sessions.remove(clientId);
    }

    int size() {
        return sessions.size();
    }

    /** Authenticates every open session again; returns the refusals, keyed by gateway id. */
    List<Map.Entry<String, Verdict>> recheck(GatewayAuthenticator authenticator, Instant now) {
        List<Map.Entry<String, Verdict>> refused = new ArrayList<>();
        sessions.forEach((id, session) -> {
            Verdict verdict = authenticator.authenticate(id, session.chain(), session.willTopic(), now);
            if (!verdict.accepted()) {
                refused.add(Map.entry(id, verdict));
            }
        });
        return refused;
    }
}
