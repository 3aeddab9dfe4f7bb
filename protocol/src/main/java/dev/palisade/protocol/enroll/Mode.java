package dev.palisade.protocol.enroll;

/** How a proof shows that the child holds its key ({@code docs/protocol.md} §5). */
public enum Mode {
    /** The child signed the child statement itself; the gateway relayed it. */
    RELAY("relay"),
    /** The gateway attests that the child proved its key in a mutual TLS handshake with it. */
    ATTEST("attest"),
    /** The child's key is on the gateway's token; the gateway signed the child statement as the child. */
    CUSTODIAL("custodial");

    private final String wire;

    Mode(String wire) {
        this.wire = wire;
    }

    /** @return the name on the wire and in the signed bytes */
    @Override
    public String toString() {
        return wire;
    }
}
