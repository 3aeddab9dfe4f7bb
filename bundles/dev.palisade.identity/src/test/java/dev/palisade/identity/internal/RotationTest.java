package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.SignatureValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key rotation on a real SoftHSM2 token: pending key, atomic switch, old key destroyed, crash recovery. */
class RotationTest {

    private static final AtomicInteger ALIASES = new AtomicInteger();

    private final SoftHsmToken token = SoftHsmToken.get();
    private final List<AutoCloseable> started = new ArrayList<>();
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final TestCa ca;

    @TempDir
    Path dir;
    private Path pinFile;

    RotationTest() throws Exception {
        // A name of its own: SunPKCS11 rebuilds chains by subject, and other tests' CAs share the token.
        ca = new TestCa("Rotation " + System.nanoTime());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable component : started) {
            component.close();
        }
    }

    @BeforeEach
    void pin() {
        pinFile = SoftHsmToken.pinFile(dir, token.pin);
    }

    private Pkcs11IdentityComponent start() throws Exception {
        return start("state");
    }

    private Pkcs11IdentityComponent start(String state) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", "unused-" + ALIASES.incrementAndGet());
        values.put("pin_file", pinFile.toString());
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve(state), n -> null, publisher);
        started.add(component::stop);
        component.opened().get(60, TimeUnit.SECONDS);
        return component;
    }

    /** A second, independent view of the token, as another process would have. */
    private Pkcs11Backend probe() {
        Pkcs11Backend backend = new Pkcs11Backend(token.library, 0, null, false,
                PinSource.of(pinFile.toString(), "", dir, n -> null), dir.resolve("probe-" + System.nanoTime()));
        started.add(backend::close);
        return backend;
    }

    /** An installed identity under a fresh alias; returns its leaf. */
    private X509Certificate provision(Pkcs11IdentityComponent component, String alias) throws Exception {
        component.init(alias, KeyType.EC_P256);
        X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-17"), List.of())),
                Duration.ofDays(365));
        component.install(List.of(leaf, ca.intermediate), ca.root);
        return leaf;
    }

    private static String hexId(String alias) {
        return HexFormat.of().formatHex(alias.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertSignedBy(SignatureValue signature, X509Certificate expected, byte[] data) throws Exception {
        assertEquals(expected, signature.certificate());
        Signature verifier = Signature.getInstance(signature.algorithm());
        verifier.initVerify(expected.getPublicKey());
        verifier.update(data);
        assertTrue(verifier.verify(signature.value()), "signature verifies with " + expected.getSubjectX500Principal());
    }

    @Test
    void rotateKeepsTheOldKeyInUseUntilTheNewChainIsInstalledThenDestroysIt() throws Exception {
        Pkcs11IdentityComponent component = start();
        String oldAlias = "rot-old-" + ALIASES.incrementAndGet();
        String newAlias = "rot-new-" + ALIASES.incrementAndGet();
        X509Certificate oldLeaf = provision(component, oldAlias);
        byte[] data = "challenge".getBytes(StandardCharsets.UTF_8);
        assertSignedBy(publisher.signer.sign(data), oldLeaf, data);

        String csr = component.rotate(newAlias, KeyType.EC_P256, new CsrRequest(new X500Principal("CN=gw-17"), List.of()));

        // Pending: the old identity keeps serving.
        IdentityInfo pending = component.pending().orElseThrow();
        assertEquals(newAlias, pending.location().alias());
        assertFalse(pending.chainInstalled());
        assertFalse(pending.extractable());
        assertEquals(oldAlias, component.current().orElseThrow().location().alias());
        assertArrayEquals(component.currentKey().leaf().getPublicKey().getEncoded(), oldLeaf.getPublicKey().getEncoded());
        assertTrue(Pkcs11IdentityComponentTest.verifies(Pkcs11IdentityComponentTest.parse(csr)), "CSR signed by the new key");
        assertSignedBy(publisher.signer.sign(data), oldLeaf, data);
        assertEquals(oldLeaf, publisher.identity.keyManager().getCertificateChain(TokenKeyManager.ALIAS)[0]);
        String show = IdentityCommand.run(component, List.of("show"));
        assertTrue(show.contains("pending rotation") && show.contains("alias     " + newAlias), show);
        assertEquals(newAlias, Files.readString(dir.resolve("state/pending-alias")).trim());

        // A chain for neither key, and a chain for the new key that does not reach the root, are refused.
        X509Certificate foreign = ca.issue(new X500Name("CN=gw-17"), TestCa.ecKey().getPublic(), Duration.ofDays(365));
        IdentityException mismatch = assertThrows(IdentityException.class,
                () -> component.install(List.of(foreign, ca.intermediate), ca.root));
        assertEquals(Reason.CHAIN_MISMATCH, mismatch.reason());
        assertTrue(mismatch.getMessage().contains(oldAlias) && mismatch.getMessage().contains(newAlias), mismatch.getMessage());
        X509Certificate newLeaf = ca.issue(csr, Duration.ofDays(365));
        IdentityException wrongRoot = assertThrows(IdentityException.class,
                () -> component.install(List.of(newLeaf, ca.intermediate), new TestCa("Elsewhere").root));
        assertEquals(Reason.CHAIN_INVALID, wrongRoot.reason());
        assertSignedBy(publisher.signer.sign(data), oldLeaf, data);
        assertEquals(newAlias, component.pending().orElseThrow().location().alias());

        // Install switches: new key everywhere, old key gone from the token.
        IdentityInfo installed = component.install(List.of(newLeaf, ca.intermediate), ca.root);

        assertEquals(newAlias, installed.location().alias());
        assertEquals(newAlias, component.current().orElseThrow().location().alias());
        assertTrue(component.pending().isEmpty());
        assertSignedBy(publisher.signer.sign(data), newLeaf, data);
        assertEquals(newLeaf, publisher.identity.keyManager().getCertificateChain(TokenKeyManager.ALIAS)[0]);
        assertEquals(newLeaf, publisher.identity.chain().get(0));
        assertTrue(publisher.published);
        assertFalse(Files.exists(dir.resolve("state/old-alias")));
        assertFalse(Files.exists(dir.resolve("state/pending-alias")));
        assertEquals(newAlias, Files.readString(dir.resolve("state/current-alias")).trim());

        Pkcs11Backend probe = probe();
        assertFalse(probe.contains(oldAlias), "old key's entry is gone");
        assertTrue(probe.entry(newAlias).isPresent());
        String objects = token.listObjects();
        assertFalse(objects.contains("ID:         " + hexId(oldAlias)), "no object with the old key's CKA_ID:\n" + objects);
        assertTrue(objects.contains("ID:         " + hexId(newAlias)), objects);
        assertEquals(List.of(newLeaf, ca.intermediate), probe.entry(newAlias).orElseThrow().chain(),
                "the intermediate both chains share stays on the token");
    }

    @Test
    void rotateRefusesWithoutAnIssuedIdentityOrWithTheCurrentAlias() throws Exception {
        Pkcs11IdentityComponent component = start();
        String alias = "rot-first-" + ALIASES.incrementAndGet();
        CsrRequest request = new CsrRequest(new X500Principal("CN=gw-17"), List.of());
        assertEquals(Reason.NO_KEY, assertThrows(IdentityException.class,
                () -> component.rotate("x-" + ALIASES.incrementAndGet(), KeyType.EC_P256, request)).reason());
        component.init(alias, KeyType.EC_P256);
        assertEquals(Reason.NO_KEY, assertThrows(IdentityException.class,
                () -> component.rotate("x-" + ALIASES.incrementAndGet(), KeyType.EC_P256, request)).reason());
        X509Certificate leaf = ca.issue(component.csr(request), Duration.ofDays(365));
        component.install(List.of(leaf, ca.intermediate), ca.root);
        assertEquals(Reason.KEY_EXISTS, assertThrows(IdentityException.class,
                () -> component.rotate(alias, KeyType.EC_P256, request)).reason());
    }

    @Test
    void aSecondRotationDestroysTheFirstPendingKey() throws Exception {
        Pkcs11IdentityComponent component = start();
        provision(component, "rot-base-" + ALIASES.incrementAndGet());
        CsrRequest request = new CsrRequest(new X500Principal("CN=gw-17"), List.of());
        String first = "rot-p1-" + ALIASES.incrementAndGet();
        String second = "rot-p2-" + ALIASES.incrementAndGet();
        Path out = dir.resolve("rotate.csr");
        String said = IdentityCommand.run(component, List.of("rotate", "--alias", first, "--subject", "CN=gw-17",
                "--san", "dns:gw-17.example", "--out", out.toString()));
        assertTrue(said.contains("wrote the certificate request") && said.contains("stays in use"), said);
        assertTrue(Pkcs11IdentityComponentTest.verifies(Pkcs11IdentityComponentTest.parse(Files.readString(out))));
        assertEquals(first, component.pending().orElseThrow().location().alias());
        String csr = component.rotate(second, KeyType.EC_P384, request);

        assertEquals(second, component.pending().orElseThrow().location().alias());
        assertEquals(KeyType.EC_P384, component.pending().orElseThrow().keyType());
        assertFalse(probe().contains(first));
        // csr() now signs for the pending key.
        assertArrayEquals(Pkcs11IdentityComponentTest.parse(csr).getSubjectPublicKeyInfo().getEncoded(),
                Pkcs11IdentityComponentTest.parse(component.csr(request)).getSubjectPublicKeyInfo().getEncoded());
    }

    @Test
    void aRotationInterruptedAfterTheChainWasStoredIsFinishedAtTheNextStart() throws Exception {
        Pkcs11IdentityComponent component = start();
        String oldAlias = "rot-crash-old-" + ALIASES.incrementAndGet();
        String newAlias = "rot-crash-new-" + ALIASES.incrementAndGet();
        provision(component, oldAlias);
        String csr = component.rotate(newAlias, KeyType.EC_P256, new CsrRequest(new X500Principal("CN=gw-17"), List.of()));
        stop();
        started.clear();

        // The state a crash right after storing the new chain leaves: chain on the token, no switch yet.
        X509Certificate newLeaf = ca.issue(csr, Duration.ofDays(365));
        Pkcs11Backend token = probe();
        token.store(newAlias, token.entry(newAlias).orElseThrow().key(), List.of(newLeaf, ca.intermediate));
        token.close();

        Pkcs11IdentityComponent restarted = start();

        assertEquals(newAlias, restarted.current().orElseThrow().location().alias());
        assertTrue(restarted.current().orElseThrow().chainInstalled());
        assertTrue(restarted.pending().isEmpty());
        assertFalse(probe().contains(oldAlias), "the replaced key is destroyed at the next start");
        assertFalse(Files.exists(dir.resolve("state/old-alias")));
        byte[] data = "after restart".getBytes(StandardCharsets.UTF_8);
        assertSignedBy(publisher.signer.sign(data), newLeaf, data);
    }

    @Test
    void anOldKeyMarkerLeftByACrashAfterTheSwitchIsCleanedAtTheNextStart() throws Exception {
        Pkcs11IdentityComponent component = start();
        String oldAlias = "rot-left-old-" + ALIASES.incrementAndGet();
        provision(component, oldAlias);
        String newAlias = "rot-left-new-" + ALIASES.incrementAndGet();
        provision(start("other-state"), newAlias); // the key the interrupted switch went to
        stop();
        started.clear();
        Pkcs11Backend token = probe();
        assertTrue(token.contains(oldAlias));
        // As if the switch to the other key had completed and the gateway stopped before destroying the old one.
        Files.writeString(dir.resolve("state/old-alias"), oldAlias + "\n");
        Files.writeString(dir.resolve("state/current-alias"), newAlias + "\n");

        Pkcs11IdentityComponent restarted = start();

        assertEquals(newAlias, restarted.current().orElseThrow().location().alias());
        assertFalse(probe().contains(oldAlias));
        assertFalse(Files.exists(dir.resolve("state/old-alias")));
    }
}
