package dev.palisade.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.identity.KeyType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an operator sees when a command line is wrong, before any keystore is touched. */
class IdentityCommandTest {

    @Test
    void withoutAKeystoreItNamesTheFileToCreate() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> IdentityCommand.run(null, List.of("show")));
        assertTrue(e.getMessage().contains("etc/dev.palisade.identity.pkcs11.cfg"), e.getMessage());
    }

    @Test
    void badCommandLinesGetTheUsage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IdentityCommand.run(null, List.of()))
                .getMessage().startsWith("usage: identity init"));
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> IdentityCommand.keyType("dsa"));
        assertTrue(type.getMessage().contains("use ec-p256 (default), ec-p384, rsa-2048 or rsa-3072"), type.getMessage());
        assertEquals(KeyType.RSA_3072, IdentityCommand.keyType("rsa-3072"));
    }

    @Test
    void pinSourceNeedsExactlyOneOfFileAndEnvironment() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> PinSource.of("pin", "PIN", Path.of("/"), n -> null));
        assertTrue(both.getMessage().contains("both are set"), both.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
                () -> PinSource.of("", " ", Path.of("/"), n -> null));
        assertTrue(neither.getMessage().contains("neither is set"), neither.getMessage());
    }

    @Test
    void anUnsetPinVariableIsNamed() {
        PinSource source = PinSource.of("", "GATEWAY_PIN", Path.of("/"), n -> null);
        var e = assertThrows(dev.palisade.api.identity.IdentityException.class, source::read);
        assertTrue(e.getMessage().contains("GATEWAY_PIN is not set"), e.getMessage());
    }
}
