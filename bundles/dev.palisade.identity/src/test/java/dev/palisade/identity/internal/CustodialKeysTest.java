package dev.palisade.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import dev.palisade.testkit.TypedConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Children's keys on a real SoftHSM2 token: CSR, install of the issued chain, signing as the child. */
class CustodialKeysTest {

    private static final AtomicInteger CHILDREN = new AtomicInteger();
    private final SoftHsmToken token = SoftHsmToken.get();
    private Pkcs11IdentityComponent component;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        if (component != null) {
            component.stop();
        }
    }

    private Pkcs11IdentityComponent start() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", "gw-custodial-" + CHILDREN.incrementAndGet());
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        component = new Pkcs11IdentityComponent(TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir,
                dir.resolve("state"), name -> null, new RecordingPublisher());
        component.opened().get(60, TimeUnit.SECONDS);
        return component;
    }

    @Test
    void aChildKeyIsMadeOnTheTokenIssuedThroughItsCsrAndSignsAsTheChild() throws Exception {
        Pkcs11IdentityComponent keys = start();
        String child = "plc-" + CHILDREN.incrementAndGet();
        assertTrue(keys.signer(child).isEmpty(), "no signer before a key exists");

        String csr = keys.csr(child, KeyType.EC_P256);
        assertTrue(csr.startsWith("-----BEGIN CERTIFICATE REQUEST-----"), csr);
        assertEquals(csr.length() > 0, keys.csr(child, KeyType.EC_P256).length() > 0);
        assertTrue(keys.signer(child).isEmpty(), "no signer while only the placeholder is stored");

        TestCa ca = new TestCa("Custodial");
        var leaf = ca.issue(csr, Duration.ofDays(30));
        IdentityInfo info = keys.install(child, List.of(leaf, ca.intermediate, ca.root));
        assertTrue(info.chainInstalled());
        assertFalse(info.extractable(), "the child's key stays on the token");

        Signer signer = keys.signer(child).orElseThrow();
        byte[] message = "challenge".getBytes(StandardCharsets.US_ASCII);
        SignatureValue sig = signer.sign(message);
        Signature verify = Signature.getInstance(sig.algorithm());
        verify.initVerify(leaf.getPublicKey());
        verify.update(message);
        assertTrue(verify.verify(sig.value()), "the signature verifies with the child's certificate");
        assertEquals(leaf, signer.chain().get(0));
    }

    @Test
    void aChainForAnotherKeyOrAnotherNameIsRefusedAndNothingChanges() throws Exception {
        Pkcs11IdentityComponent keys = start();
        String child = "meter-" + CHILDREN.incrementAndGet();
        TestCa ca = new TestCa("Custodial");
        IdentityException noKey = assertThrows(IdentityException.class,
                () -> keys.install(child, List.of(ca.issue(new X500Name("CN=" + child), TestCa.ecKey().getPublic(), Duration.ofDays(1)))));
        assertEquals(Reason.NO_KEY, noKey.reason());
        assertTrue(noKey.getMessage().contains("palisade:children csr " + child), noKey.getMessage());

        String csr = keys.csr(child, KeyType.EC_P256);
        IdentityException otherKey = assertThrows(IdentityException.class,
                () -> keys.install(child, List.of(ca.issue(new X500Name("CN=" + child), TestCa.ecKey().getPublic(), Duration.ofDays(1)))));
        assertEquals(Reason.CHAIN_MISMATCH, otherKey.reason());
        var leaf = ca.issue(csr, Duration.ofDays(1));
        var renamed = ca.issue(new X500Name("CN=someone-else"), leaf.getPublicKey(), Duration.ofDays(1));
        IdentityException otherName = assertThrows(IdentityException.class, () -> keys.install(child, List.of(renamed)));
        assertEquals(Reason.CHAIN_MISMATCH, otherName.reason());
        assertTrue(otherName.getMessage().contains("CN=" + child), otherName.getMessage());
        assertTrue(keys.signer(child).isEmpty(), "nothing installed");
        assertThrows(IllegalArgumentException.class, () -> keys.csr("bad/id", KeyType.EC_P256));
    }
}
