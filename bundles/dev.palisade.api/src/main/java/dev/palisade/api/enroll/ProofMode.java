package dev.palisade.api.enroll;

/**
 * How the gateway proves that a child holds its key. Every proof is countersigned with the
 * gateway's token key.
 */
public enum ProofMode {
    /** The child can sign: the hub's challenge is passed to it and its signature returned. */
    RELAY,
    /** The child proved its key in a mutually authenticated TLS handshake with the gateway; the
     * gateway attests what it verified (the chain, the time, a binding to that session). */
    ATTEST,
    /** The child has no cryptography: its key lives on the gateway's token, with a certificate
     * issued to it through a CSR, and the gateway signs as the child. */
    CUSTODIAL
}
