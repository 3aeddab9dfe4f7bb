package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PKCS#12 development backend as a plain object with a typed configuration. */
class Pkcs12IdentityComponentTest {

    @TempDir
    Path dir;

    private final RecordingPublisher publisher = new RecordingPublisher();

    private Pkcs12IdentityComponent start(Path pinFile) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("pin_file", pinFile.toString());
        Pkcs12IdentityComponent component = new Pkcs12IdentityComponent(
                TypedConfigs.of(Pkcs12IdentityComponent.Config.class, values), dir, dir.resolve("data"), n -> null, publisher);
        component.opened().get(30, TimeUnit.SECONDS);
        return component;
    }

    @Test
    void warnsAtEveryStartThatTheKeyIsNotHardwareProtected() throws Exception {
        Path pin = SoftHsmToken.pinFile(dir, "dev-password");
        for (int start = 0; start < 2; start++) {
            PrintStream original = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Pkcs12IdentityComponent component;
            try {
                component = start(pin);
            } finally {
                System.setErr(original);
            }
            String log = captured.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("WARN") && log.contains("is NOT hardware-protected"), "start " + start + ": " + log);
            component.stop();
        }
    }

    @Test
    void provisionsAnIdentityInAFileThatOnlyTheGatewayCanRead() throws Exception {
        Path pin = SoftHsmToken.pinFile(dir, "dev-password");
        Pkcs12IdentityComponent component = start(pin);
        IdentityInfo created = component.init("gateway", KeyType.EC_P256);
        assertTrue(created.extractable(), "a software key is always extractable");
        assertEquals(new KeyLocation(KeyLocation.Backend.PKCS12, null, "gateway.p12", null, "gateway"), created.location());
        Path file = dir.resolve("data/identity/gateway.p12");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        TestCa ca = new TestCa("Dev");
        String csr = component.csr(new CsrRequest(new X500Principal("CN=gw-dev"), List.of("dns:localhost")));
        assertTrue(Pkcs11IdentityComponentTest.verifies(Pkcs11IdentityComponentTest.parse(csr)));
        component.install(List.of(ca.issue(csr, Duration.ofDays(90)), ca.intermediate), ca.root);
        assertTrue(publisher.published);
        assertNotNull(publisher.signer.sign(new byte[] {1, 2, 3}));
        assertEquals(Health.UP, component.health().health(), component.health().summary());
        component.stop();

        Pkcs12IdentityComponent again = start(pin);
        assertTrue(again.current().orElseThrow().chainInstalled(), "the chain survives a restart");
        again.stop();
    }

    @Test
    void aWrongPasswordIsReportedAndNotRetried() throws Exception {
        Path pin = SoftHsmToken.pinFile(dir, "dev-password");
        Pkcs12IdentityComponent component = start(pin);
        component.init("gateway", KeyType.EC_P256);
        component.stop();

        Pkcs12IdentityComponent wrong = start(SoftHsmToken.pinFile(dir, "not-the-password"));
        assertEquals(Health.DOWN, wrong.health().health());
        IdentityException refused = assertThrows(IdentityException.class, wrong::current);
        assertEquals(Reason.WRONG_PIN, refused.reason());
        assertTrue(refused.getMessage().contains("not tried again"), refused.getMessage());
        wrong.stop();
    }
}
