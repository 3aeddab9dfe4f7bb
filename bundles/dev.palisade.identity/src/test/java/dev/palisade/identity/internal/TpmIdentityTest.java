package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.GatewayIdentity;
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
 * chain, a signature that verifies, the key neither extractable nor readable, and mutual TLS
 * with the TPM key through BCJSSE (TLS 1.3) and SunJSSE (TLS 1.2).
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
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), n -> null, publisher);
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

            // Mutual TLS with the TPM key: the upstream link's default (BCJSSE, TLS 1.3) and SunJSSE over TLS 1.2.
            for (String[] link : new String[][] {{GatewayIdentity.BCJSSE, "TLSv1.3"}, {GatewayIdentity.SUNJSSE, "TLSv1.2"}}) {
                javax.net.ssl.TrustManagerFactory trust = TokenTlsTest.trustOnly(ca.root);
                javax.net.ssl.SSLContext client = publisher.identity.sslContext(trust.getTrustManagers(), link[0]);
                try (javax.net.ssl.SSLServerSocket server = TokenTlsTest.server(ca, trust)) {
                    java.util.concurrent.CompletableFuture<java.security.cert.Certificate[]> seen = TokenTlsTest.accept(server);
                    try (javax.net.ssl.SSLSocket socket = TokenTlsTest.connect(client, server, link[1])) {
                        socket.getOutputStream().write(42);
                        socket.getOutputStream().flush();
                        assertEquals(42, socket.getInputStream().read(), link[0] + " " + link[1] + ": accepted");
                        assertEquals(link[1], socket.getSession().getProtocol());
                    }
                    assertEquals(leaf, seen.get(30, TimeUnit.SECONDS)[0], "the server saw the TPM identity");
                }
            }
        } finally {
            component.stop();
        }
    }
}
