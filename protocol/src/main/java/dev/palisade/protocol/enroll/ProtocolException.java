package dev.palisade.protocol.enroll;

/**
 * A message that does not follow the protocol: not JSON, too large, a missing or mistyped field,
 * a value out of bounds, an unsupported version. The message names the field by its path in the
 * document, e.g. {@code proofs[3].signature}. A hub answers it with reason {@link Reason#MALFORMED}.
 */
public final class ProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and where; never {@code null} */
    public ProtocolException(String message) {
        super(message);
    }
}
