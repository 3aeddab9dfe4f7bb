package dev.palisade.hub.registry;

/** What a registered device is. */
public enum Role {
    /** A gateway: connects to the hub itself, over mutual TLS only. */
    GATEWAY,
    /** A leaf device: reaches the hub through a gateway. */
    DEVICE
}
