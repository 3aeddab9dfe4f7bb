package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyLocation;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.SignatureValue;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The PKCS#11 component as a plain object with a typed configuration, on a real SoftHSM2 token. */
class Pkcs11IdentityComponentTest {

    private static final AtomicInteger ALIASES = new AtomicInteger();

    private final SoftHsmToken token = SoftHsmToken.get();
    private final List<Pkcs11IdentityComponent> started = new ArrayList<>();
    private final RecordingPublisher publisher = new RecordingPublisher();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        for (Pkcs11IdentityComponent component : started) {
            component.stop();
        }
    }

    private Pkcs11IdentityComponent start(Map<String, Object> settings, Function<String, String> environment) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", "gw-" + ALIASES.incrementAndGet());
        values.putAll(settings);
        if (!values.containsKey("pin_env") && !values.containsKey("pin_file")) {
            values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        }
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), environment, publisher);
        started.add(component);
        component.opened().get(60, TimeUnit.SECONDS);
        return component;
    }

    private Pkcs11IdentityComponent start() throws Exception {
        return start(Map.of(), name -> null);
    }

    private static String alias(Pkcs11IdentityComponent component) throws IdentityException {
        return component.current().map(i -> i.location().alias()).orElse(null);
    }

    @Test
    void initGeneratesASensitiveNonExtractableKeyOnTheToken() throws Exception {
        Pkcs11IdentityComponent component = start();
        String alias = "init-" + ALIASES.incrementAndGet();

        IdentityInfo info = component.init(alias, KeyType.EC_P256);

        assertFalse(info.extractable());
        assertFalse(info.chainInstalled());
        assertEquals(KeyType.EC_P256, info.keyType());
        assertEquals(new KeyLocation(KeyLocation.Backend.PKCS11, token.library.toString(), "slot index 0", 0L, alias),
                info.location());
        CurrentKey key = component.currentKey();
        assertNull(key.key().getEncoded(), "SunPKCS11 hands out no key material");
        assertFalse(publisher.published, "no signer before a chain is installed");
        // What the token itself says: the key SunPKCS11 stored under this alias (CKA_ID = alias bytes).
        String objects = token.listObjects();
        String id = java.util.HexFormat.of().formatHex(alias.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String keyObject = objectWithId(objects, "Private Key Object", id);
        assertTrue(keyObject.contains("Access:     sensitive, always sensitive, never extractable, local"), keyObject);
        assertTrue(keyObject.contains("Usage:      sign"), keyObject);
        assertFalse(keyObject.contains("decrypt"), keyObject);
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P384", "RSA_2048", "RSA_3072"})
    void initGeneratesEveryKeyType(KeyType type) throws Exception {
        Pkcs11IdentityComponent component = start();
        IdentityInfo info = component.init("type-" + ALIASES.incrementAndGet(), type);
        assertEquals(type, info.keyType());
        assertFalse(info.extractable());
        String pem = component.csr(new CsrRequest(new X500Principal("CN=gw-" + type), List.of()));
        assertTrue(verifies(parse(pem)), "CSR signed with " + type.signatureAlgorithm());
    }

    @Test
    void initRefusesASecondKey() throws Exception {
        Pkcs11IdentityComponent component = start();
        component.init("first-" + ALIASES.incrementAndGet(), KeyType.EC_P256);
        IdentityException refused = assertThrows(IdentityException.class,
                () -> component.init("second-" + ALIASES.incrementAndGet(), KeyType.EC_P256));
        assertEquals(Reason.KEY_EXISTS, refused.reason());
        assertTrue(refused.getMessage().contains("already has key"), refused.getMessage());
    }

    @Test
    void csrCarriesSubjectAndSansAndVerifiesWithTheTokenKey() throws Exception {
        Pkcs11IdentityComponent component = start();
        component.init("csr-" + ALIASES.incrementAndGet(), KeyType.EC_P256);
        String pem = component.csr(new CsrRequest(new X500Principal("CN=gw-17, O=Plant A"),
                List.of("dns:gw-17.plant-a.example", "ip:10.0.0.17", "uri:urn:palisade:gw-17")));

        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----"), pem);
        PKCS10CertificationRequest csr = parse(pem);
        assertTrue(verifies(csr));
        assertEquals(new X500Name("CN=gw-17,O=Plant A"), csr.getSubject());
        assertArrayEquals(component.currentKey().leaf().getPublicKey().getEncoded(), csr.getSubjectPublicKeyInfo().getEncoded());
        Extensions extensions = Extensions.getInstance(
                csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
        String sans = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).toString();
        assertTrue(sans.contains("gw-17.plant-a.example") && sans.contains("urn:palisade:gw-17"), sans);

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> component.csr(new CsrRequest(new X500Principal("CN=gw"), List.of("ip:not-an-address"))));
        assertTrue(bad.getMessage().contains("ip:not-an-address"), bad.getMessage());
    }

    @Test
    void installRefusesAChainForAnotherKeyAndOneThatDoesNotReachTheNamedRoot() throws Exception {
        Pkcs11IdentityComponent component = start();
        component.init("install-" + ALIASES.incrementAndGet(), KeyType.EC_P256);
        TestCa ca = new TestCa("Plant");
        TestCa other = new TestCa("Elsewhere");

        X509Certificate foreignLeaf = ca.issue(new X500Name("CN=gw-17"), TestCa.ecKey().getPublic(), Duration.ofDays(365));
        IdentityException mismatch = assertThrows(IdentityException.class,
                () -> component.install(List.of(foreignLeaf, ca.intermediate), ca.root));
        assertEquals(Reason.CHAIN_MISMATCH, mismatch.reason());
        assertTrue(mismatch.getMessage().contains("issued for another key"), mismatch.getMessage());

        X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-17"), List.of())), Duration.ofDays(365));
        IdentityException wrongRoot = assertThrows(IdentityException.class,
                () -> component.install(List.of(leaf, ca.intermediate), other.root));
        assertEquals(Reason.CHAIN_INVALID, wrongRoot.reason());
        assertTrue(wrongRoot.getMessage().contains("does not validate to the root 'CN=Elsewhere Root'"), wrongRoot.getMessage());

        IdentityException missingIntermediate = assertThrows(IdentityException.class,
                () -> component.install(List.of(leaf), ca.root));
        assertEquals(Reason.CHAIN_INVALID, missingIntermediate.reason());

        assertFalse(component.current().orElseThrow().chainInstalled(), "nothing changed");
        assertFalse(publisher.published);
    }

    @Test
    void installAcceptsAGoodChainThenSignsAndPresentsIt() throws Exception {
        Pkcs11IdentityComponent component = start();
        String alias = "good-" + ALIASES.incrementAndGet();
        component.init(alias, KeyType.EC_P256);
        TestCa ca = new TestCa("Plant");
        X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-17"), List.of())),
                Duration.ofDays(365));

        IdentityInfo info = component.install(List.of(leaf, ca.intermediate, ca.root), ca.root);

        assertTrue(info.chainInstalled());
        assertEquals(leaf.getSubjectX500Principal(), info.subject());
        assertTrue(publisher.published, "signer and identity registered once the chain is installed");
        assertEquals("gw-17", publisher.identity.gatewayId());
        SignatureValue signature = publisher.signer.sign("challenge".getBytes());
        Signature verifier = Signature.getInstance(signature.algorithm());
        verifier.initVerify(signature.certificate().getPublicKey());
        verifier.update("challenge".getBytes());
        assertTrue(verifier.verify(signature.value()));
        assertEquals(leaf, signature.certificate());

        var keyManager = publisher.identity.keyManager();
        String chosen = keyManager.chooseClientAlias(new String[] {"RSA", "EC"}, null, null);
        assertEquals(TokenKeyManager.ALIAS, chosen);
        assertEquals(leaf, keyManager.getCertificateChain(chosen)[0]);
        assertNull(keyManager.getPrivateKey(chosen).getEncoded());
        assertNull(keyManager.chooseClientAlias(new String[] {"RSA"}, null, null), "an EC key is not offered for RSA");

        HealthReport health = component.health();
        assertEquals(Health.UP, health.health(), health.summary());
        assertTrue(health.summary().contains("CN=gw-17") && health.summary().contains("days left"), health.summary());

        // A new activation reads the same identity back from the token.
        component.stop();
        started.remove(component);
        Pkcs11IdentityComponent again = start(Map.of("alias", alias), name -> null);
        IdentityInfo read = again.current().orElseThrow();
        assertTrue(read.chainInstalled());
        assertEquals(info.sha256Fingerprint(), read.sha256Fingerprint());
        assertEquals(Health.UP, again.health().health());
    }

    @Test
    void showPrintsEverythingAnOperatorNeeds() throws Exception {
        Pkcs11IdentityComponent component = start();
        String alias = "show-" + ALIASES.incrementAndGet();
        IdentityCommand.run(component, List.of("init", "--alias", alias, "--type", "ec-p256"));
        TestCa ca = new TestCa("Plant");
        String csr = IdentityCommand.run(component, List.of("csr", "--subject", "CN=gw-42,O=Plant A", "--san", "dns:gw-42.example"));
        X509Certificate leaf = ca.issue(csr, Duration.ofDays(100));
        Path chain = dir.resolve("chain.pem");
        Path root = dir.resolve("root.pem");
        Files.writeString(chain, Certificates.pem(leaf) + Certificates.pem(ca.intermediate));
        Files.writeString(root, Certificates.pem(ca.root));
        IdentityCommand.run(component, List.of("install", chain.toString(), "--root", root.toString()));

        String show = IdentityCommand.run(component, List.of("show"));

        assertTrue(show.contains("subject   CN=gw-42,O=Plant A"), show);
        assertTrue(show.contains("issuer    CN=Plant Devices"), show);
        assertTrue(show.contains("serial    " + leaf.getSerialNumber().toString(16)), show);
        assertTrue(show.contains("(99 days left)") || show.contains("(100 days left)"), show);
        assertTrue(show.contains("key       EC_P256, not extractable"), show);
        assertTrue(show.contains("sha-256   " + Certificates.fingerprint(leaf)), show);
        assertTrue(show.contains("keystore  PKCS11 " + token.library + ", slot index 0"), show);
        assertTrue(show.contains("alias     " + alias), show);
        assertTrue(show.contains("issued chain installed"), show);
    }

    @Test
    void healthTurnsDegradedUnderTheExpiryThresholds() throws Exception {
        Pkcs11IdentityComponent component = start(Map.of("expiry_warning_days", 30, "expiry_critical_days", 7), n -> null);
        component.init("expiry-" + ALIASES.incrementAndGet(), KeyType.EC_P256);
        TestCa ca = new TestCa("Plant");
        String csr = component.csr(new CsrRequest(new X500Principal("CN=gw-soon"), List.of()));

        component.install(List.of(ca.issue(csr, Duration.ofDays(20).plusHours(1)), ca.intermediate), ca.root);
        HealthReport soon = component.health();
        assertEquals(Health.DEGRADED, soon.health());
        assertTrue(soon.summary().contains("expires in 20 days (under 30)"), soon.summary());

        component.install(List.of(ca.issue(csr, Duration.ofDays(3).plusHours(1)), ca.intermediate), ca.root);
        HealthReport urgent = component.health();
        assertEquals(Health.DEGRADED, urgent.health());
        assertTrue(urgent.summary().contains("expires in 3 days (under 7): renew it now"), urgent.summary());
    }

    @Test
    void wrongPinIsReportedAndNeverPresentedAgain() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        Pkcs11IdentityComponent component = start(Map.of("pin_env", "GATEWAY_PIN"), name -> {
            assertEquals("GATEWAY_PIN", name);
            reads.incrementAndGet();
            return "999999" + token.pin; // wrong, and certainly not the SO PIN either
        });

        HealthReport health = component.health();
        assertEquals(Health.DOWN, health.health());
        assertTrue(health.summary().contains("refused the user PIN from environment variable GATEWAY_PIN"), health.summary());
        assertEquals(1, reads.get(), "the PIN was presented once at start");

        IdentityException again = assertThrows(IdentityException.class, () -> component.current());
        assertEquals(Reason.WRONG_PIN, again.reason());
        assertTrue(again.getMessage().contains("not tried again"), again.getMessage());
        assertThrows(IdentityException.class, () -> component.init("never", KeyType.EC_P256));
        assertEquals(1, reads.get(), "a refused PIN is never read and presented again");
        assertFalse(again.getMessage().contains(token.pin), "no PIN in messages");
    }

    @Test
    void wrongPinInAFileIsTriedAgainOnlyOnceTheFileChanged() throws Exception {
        Path pinFile = SoftHsmToken.pinFile(dir, "0000");
        Pkcs11IdentityComponent component = start(Map.of("pin_file", pinFile.toString()), n -> null);
        assertEquals(Reason.WRONG_PIN, assertThrows(IdentityException.class, component::current).reason());

        Files.writeString(pinFile, token.pin + "\n");
        Files.setLastModifiedTime(pinFile, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));

        assertTrue(component.current().isEmpty(), "logged in with the corrected PIN; no key yet");
        assertEquals(Health.DOWN, component.health().health());
        assertTrue(component.health().summary().contains("run palisade:identity init"), component.health().summary());
    }

    @Test
    void aPinFileOthersCanReadIsRefused() throws Exception {
        Path pinFile = SoftHsmToken.pinFile(dir, token.pin);
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-r-----"));
        Pkcs11IdentityComponent component = start(Map.of("pin_file", pinFile.toString()), n -> null);

        HealthReport health = component.health();
        assertEquals(Health.DOWN, health.health());
        assertTrue(health.summary().contains("accessible to its group or to other users (rw-r-----); run: chmod 600 " + pinFile),
                health.summary());
        assertEquals(Reason.PIN_UNAVAILABLE, assertThrows(IdentityException.class, component::current).reason());
    }

    @Test
    void anAbsentTokenOrLibraryIsReportedDown() throws Exception {
        Pkcs11IdentityComponent noSlot = start(Map.of("slot_index", 42), n -> null);
        HealthReport slot = noSlot.health();
        assertEquals(Health.DOWN, slot.health());
        assertTrue(slot.summary().contains("slot index 42") && slot.summary().contains("slotListIndex is 42"), slot.summary());
        assertEquals(Reason.TOKEN_ABSENT, assertThrows(IdentityException.class, noSlot::current).reason());

        Pkcs11IdentityComponent noLibrary = start(Map.of("library", dir.resolve("libnothing.so").toString()), n -> null);
        HealthReport library = noLibrary.health();
        assertEquals(Health.DOWN, library.health());
        assertTrue(library.summary().contains("libnothing.so does not exist"), library.summary());
    }

    @Test
    void theGeneratedProviderConfigurationMakesKeysSensitiveAndNonExtractable() throws Exception {
        Pkcs11IdentityComponent component = start();
        assertNotNull(component);
        String written = Files.readString(dir.resolve("state/sunpkcs11.cfg"));
        assertTrue(written.contains("CKA_SENSITIVE = true") && written.contains("CKA_EXTRACTABLE = false"), written);
        assertTrue(written.contains("library = \"" + token.library + "\""), written);
    }

    private static String objectWithId(String listing, String kind, String id) {
        for (String object : listing.split("(?m)^(?=\\S)")) {
            if (object.startsWith(kind) && object.contains("ID:         " + id)) {
                return object;
            }
        }
        throw new AssertionError("no " + kind + " with ID " + id + " in:\n" + listing);
    }

    static PKCS10CertificationRequest parse(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            return (PKCS10CertificationRequest) parser.readObject();
        }
    }

    static boolean verifies(PKCS10CertificationRequest csr) throws Exception {
        return csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(
                new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(csr).getPublicKey()));
    }
}
