package dev.palisade.api.bus;

/** How a leaf device is doing, from best to worst. */
public enum DeviceState {
    /** Answering as configured. */
    ONLINE,
    /** Answering, but not fully: some requests fail (exception responses, timeouts) or the
     * poller is backing off. Readings still flow, possibly with gaps. */
    DEGRADED,
    /** Not answering, not yet contacted, or its transport is down; the poller retries with
     * backoff. */
    OFFLINE,
    /** The gateway refuses the device: its certificate was rejected by the trust service. Not
     * retried until the device presents a different certificate or the trust domain changes. */
    REFUSED
}
