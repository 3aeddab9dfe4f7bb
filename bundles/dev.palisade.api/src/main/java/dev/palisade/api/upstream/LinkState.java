package dev.palisade.api.upstream;

/** The state of the link to the hub. */
public enum LinkState {
    /** Connecting or reconnecting (TLS handshake, MQTT CONNECT, subscriptions). */
    CONNECTING,
    /** Connected: the hub accepted the gateway and the spool is being drained. */
    UP,
    /** Not connected, waiting for the next attempt (backoff), or stopped. Messages stay in
     * the spool. */
    DOWN
}
