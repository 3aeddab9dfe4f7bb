package dev.palisade.hub.registry;

/** How a device proves who it is. A device has exactly one kind. */
public enum CredentialKind {
    /** A certificate chaining to a verified CA, with subject CN equal to the device id. */
    CA_CHAIN,
    /** A self-signed certificate registered by its SHA-256 thumbprint (primary and secondary). */
    SELF_SIGNED,
    /** A shared secret token; the hub keeps only its SHA-256 hash. */
    TOKEN;

    /** The lower-case, dash-separated name used on the command line and in output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
