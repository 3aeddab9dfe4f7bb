package dev.palisade.trust.internal;

/** An encoding that cannot be read as what it should be; becomes a MALFORMED verdict. */
final class MalformedException extends Exception {

    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
        super(message, null, false, false);
    }
}
