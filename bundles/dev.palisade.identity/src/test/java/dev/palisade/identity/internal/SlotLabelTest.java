package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import java.nio.file.Path;
import java.security.Security;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Selecting the token by its label ({@code slot.label}) instead of its index. */
class SlotLabelTest {

    private final SoftHsmToken token = SoftHsmToken.get();

    @TempDir
    Path dir;

    private Pkcs11IdentityComponent start(String label) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("slot_label", label);
        values.put("slot_index", 5); // ignored when a label is set
        values.put("alias", "label-" + System.nanoTime());
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state-" + System.nanoTime()),
                n -> null, new RecordingPublisher());
        component.opened().get(60, TimeUnit.SECONDS);
        return component;
    }

    @Test
    void theTokenIsFoundByItsLabel() throws Exception {
        Pkcs11IdentityComponent component = start(SoftHsmToken.LABEL);
        try {
            assertNull(component.manager().failure(), () -> "opened: " + component.health());
            IdentityInfo info = component.init("label-key-" + System.nanoTime(), KeyType.EC_P256);
            assertEquals("token '" + SoftHsmToken.LABEL + "', slot index 0", info.location().store());
            assertTrue(component.health().details().get("keystore").contains("labelled '" + SoftHsmToken.LABEL + "'"));
            assertTrue(token.listObjects().contains(info.location().alias()), "the key is on the labelled token");
        } finally {
            component.stop();
        }
    }

    @Test
    void anUnknownLabelIsReportedWithTheLabelsThatExist() throws Exception {
        Pkcs11IdentityComponent component = start("no-such-token");
        try {
            HealthReport report = component.health();
            assertEquals(Health.DOWN, report.health());
            assertEquals(Reason.TOKEN_ABSENT.toString(), report.details().get("reason"), report.toString());
            assertTrue(report.summary().contains("no token labelled 'no-such-token'"), report.summary());
            assertTrue(report.summary().contains("'" + SoftHsmToken.LABEL + "'"), report.summary());
        } finally {
            component.stop();
        }
    }

    @Test
    void aLabelThatCannotBeReadIsAClearErrorNotAnotherToken() {
        // Any provider that is not a configured SunPKCS11 fails the same way as a JVM without the opens.
        IdentityException e = assertThrows(IdentityException.class, () -> TokenLabels.label(Security.getProvider("SUN")));
        assertEquals(Reason.TOKEN_ERROR, e.reason());
        assertTrue(e.getMessage().contains(TokenLabels.OPENS), e.getMessage());
    }
}
