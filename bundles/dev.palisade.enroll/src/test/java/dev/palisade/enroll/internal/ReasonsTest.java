package dev.palisade.enroll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.palisade.api.enroll.HubReason;
import dev.palisade.protocol.enroll.Reason;

/** The protocol's reason codes are the source; the API's HubReason must name each one the same. */
class ReasonsTest {

    @Test
    void everyProtocolReasonMapsToTheApiConstantOfTheSameName() {
        for (Reason r : Reason.values()) {
            assertEquals(r.name(), Reasons.toApi(r).name(), "protocol reason " + r);
        }
    }

    @Test
    void theApiHasNoReasonTheProtocolLacks() {
        List<String> protocol = Arrays.stream(Reason.values()).map(Enum::name).toList();
        List<String> api = Arrays.stream(HubReason.values()).map(Enum::name).toList();
        assertEquals(protocol, api, "HubReason must list the protocol's codes, in the same order");
    }
}
