package dev.palisade.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.DeployStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HubDeployCommandTest {
    private static final Instant T = Instant.parse("2026-11-21T22:00:00Z");

    @Test
    void theAnswerIsJsonWithEveryTextEscaped() {
        DeployOutcome refused = new DeployOutcome("u1", DeployStatus.REFUSED, DeployRefusal.TAMPERED, null,
                "bundles/a.jar has \"SHA-256\" x\\y\nline\t\u0001", null, T, T, T);
        assertEquals("{\"v\":1,\"id\":\"u1\",\"status\":\"REFUSED\",\"refusal\":\"TAMPERED\","
                + "\"detail\":\"bundles/a.jar has \\\"SHA-256\\\" x\\\\y\\nline\\t\\u0001\"}",
                new String(HubDeployCommand.answer(refused), StandardCharsets.UTF_8));
    }
}
