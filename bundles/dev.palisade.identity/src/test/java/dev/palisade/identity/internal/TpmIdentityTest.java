package dev.palisade.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.SignatureValue;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway identity on a TPM 2.0 (swtpm emulator, tpm2-abrmd, tpm2-pkcs11) through the same
 * PKCS#11 backend as SoftHSM2: the token found by its label, key generated on the TPM, CSR and
 * chain, a signature that verifies, the key neither extractable nor readable.
 */
class TpmIdentityTest {

    private final TpmToken tpm = TpmToken.get();

    @TempDir
    Path dir;

    @Test
    void initCsrInstallAndSignOnTheTpm() throws Exception {
        RecordingPublisher publisher = new RecordingPublisher();
        Map<String, Object> values = new HashMap<>();
        values.put("library", tpm.library.toString());
        values.put("slot_label", TpmToken.LABEL);
        values.put("public_key_on_token", true);
        values.put("pin_file", SoftHsmToken.pinFile(dir, tpm.pin).toString());
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                Configs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), n -> null, publisher);
        try {
            component.opened().get(120, TimeUnit.SECONDS);
            assertNull(component.manager().failure(), () -> "the TPM token opened: " + component.health());

            IdentityInfo created = component.init("gw-tpm", KeyType.EC_P256);
            assertFalse(created.extractable(), "the key stays in the TPM");
            assertEquals(KeyLocation.Backend.PKCS11, created.location().backend());
            assertEquals("token '" + TpmToken.LABEL + "', slot index 0", created.location().store());
            assertNull(component.currentKey().key().getEncoded());

            TestCa ca = new TestCa("Tpm " + System.nanoTime());
            X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-tpm-01"), List.of())),
                    Duration.ofDays(365));
            IdentityInfo installed = component.install(List.of(leaf, ca.intermediate), ca.root);
            assertTrue(installed.chainInstalled());
            assertEquals(Health.UP, component.health().health(), component.health().summary());
            assertTrue(publisher.published);

            byte[] data = "challenge from the hub".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            SignatureValue value = publisher.signer.sign(data);
            assertEquals("SHA256withECDSA", value.algorithm());
            Signature verifier = Signature.getInstance("SHA256withECDSA", "SunEC");
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(data);
            assertTrue(verifier.verify(value.value()), "the TPM's signature verifies under the certificate");
        } finally {
            component.stop();
        }
    }
}
