package dev.palisade.api.trust;

/**
 * The role the device plays in its connection with the gateway. It selects the extended key
 * usage the domain requires of the leaf: by default {@code id-kp-clientAuth} for
 * {@link #CLIENT} and {@code id-kp-serverAuth} for {@link #SERVER}; a domain may require other
 * OIDs instead.
 */
public enum Purpose {
    /** The device is a TLS client of the gateway (it connects to a gateway endpoint). */
    CLIENT,
    /** The device is a TLS server the gateway connects to (for example Modbus/TCP Security). */
    SERVER
}
