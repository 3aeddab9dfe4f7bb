package dev.palisade.hub.enroll;

import dev.palisade.protocol.enroll.Reason;

/** Why one child is refused: a protocol reason code and one line for the gateway's operator. */
record Refusal(Reason reason, String detail) {
}
