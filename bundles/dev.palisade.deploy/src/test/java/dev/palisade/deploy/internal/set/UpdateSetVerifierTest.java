package dev.palisade.deploy.internal.set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.testkit.TestArchives;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateSetVerifierTest {
    /** Now, not a fixed date: the test certificates are valid from a few minutes before they are made. */
    private static final Instant CREATED = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    @TempDir
    Path dir;
    Path extract;
    TestCredential root;
    TestCredential publisher;
    UpdateSetVerifier verifier;
    Path shell;
    Path extra;

    @BeforeEach
    void setUp() throws Exception {
        extract = Files.createDirectories(dir.resolve("extract"));
        root = TestPki.rootCa("Release-Root", Duration.ofDays(30));
        publisher = TestPki.leaf(root, "acme-releases", TestPki.Kind.PUBLISHER, Duration.ofDays(30));
        verifier = new UpdateSetVerifier(List.of(root.certificate()), "etc/code-signing", 1 << 20);
        shell = TestSets.bundle(dir, "dev.palisade.shell", "0.2.0", "new shell");
        extra = TestSets.bundle(dir, "com.example.extra", "1.0.0", "extra");
    }

    private Path signed(TestCredential by, Path... jars) throws Exception {
        Path set = dir.resolve("set-" + System.nanoTime() + ".zip");
        new UpdateSetSigner(by.key(), by.chain()).sign(List.of(jars), CREATED, set);
        return set;
    }

    private DeployRefusal refusal(Path set) {
        return assertThrows(SetRefusedException.class, () -> verifier.verify(set, extract, CREATED)).refusal();
    }

    @Test
    void aSignedSetVerifiesAndItsBundlesAreExtractedAsSigned() throws Exception {
        Path set = signed(publisher, shell, extra);
        UpdateSetVerifier.VerifiedSet verified = verifier.verify(set, extract, CREATED);
        assertEquals(Digests.sha256Hex(set), verified.info().sha256());
        assertEquals(publisher.certificate().getSubjectX500Principal(), verified.info().publisher());
        assertEquals(CREATED, verified.info().signedAt());
        assertEquals(List.of("dev.palisade.shell", "com.example.extra"),
                verified.info().bundles().stream().map(b -> b.symbolicName()).toList());
        assertArrayEquals(Files.readAllBytes(shell), Files.readAllBytes(verified.jars().get("dev.palisade.shell")));
    }

    @Test
    void unsignedSetIsRefused() throws Exception {
        Path set = TestArchives.doctor(signed(publisher, shell), dir.resolve("unsigned.zip"),
                e -> e.remove(UpdateSetFormat.SIGNATURE));
        assertEquals(DeployRefusal.UNSIGNED, refusal(set));
    }

    @Test
    void changedManifestNoLongerMatchesItsSignature() throws Exception {
        Path set = TestArchives.doctor(signed(publisher, shell), dir.resolve("edited.zip"), e -> e.put(
                UpdateSetFormat.MANIFEST, new String(e.get(UpdateSetFormat.MANIFEST), StandardCharsets.UTF_8)
                        .replace("0.2.0", "0.3.0").getBytes(StandardCharsets.UTF_8)));
        assertEquals(DeployRefusal.BAD_SIGNATURE, refusal(set));
    }

    @Test
    void publisherFromAnotherRootIsUntrusted() throws Exception {
        TestCredential otherRoot = TestPki.rootCa("Someone-Else", Duration.ofDays(30));
        TestCredential stranger = TestPki.leaf(otherRoot, "acme-releases", TestPki.Kind.PUBLISHER, Duration.ofDays(30));
        SetRefusedException e = assertThrows(SetRefusedException.class,
                () -> verifier.verify(signed(stranger, shell), extract, CREATED));
        assertEquals(DeployRefusal.UNTRUSTED_PUBLISHER, e.refusal());
        assertTrue(e.getMessage().contains("etc/code-signing"), e.getMessage());
    }

    @Test
    void expiredPublisherIsUntrusted() throws Exception {
        TestCredential expired = TestPki.leaf(root, "old-releases", TestPki.Kind.PUBLISHER,
                CREATED.minus(Duration.ofDays(10)), CREATED.minus(Duration.ofDays(1)));
        assertEquals(DeployRefusal.UNTRUSTED_PUBLISHER, refusal(signed(expired, shell)));
    }

    @Test
    void noAnchorsConfiguredRefusesEverySet() throws Exception {
        verifier = new UpdateSetVerifier(List.of(), "etc/code-signing (empty)", 1 << 20);
        assertEquals(DeployRefusal.UNTRUSTED_PUBLISHER, refusal(signed(publisher, shell)));
    }

    @Test
    void certificateThatIsNotForCodeSigningIsRefused() throws Exception {
        TestCredential device = TestPki.leaf(root, "dev-1", TestPki.Kind.DEVICE, Duration.ofDays(30));
        SetRefusedException e = assertThrows(SetRefusedException.class,
                () -> verifier.verify(signed(device, shell), extract, CREATED));
        assertEquals(DeployRefusal.NOT_CODE_SIGNING, e.refusal());
        assertTrue(e.getMessage().contains("codeSigning"), e.getMessage());
    }

    @Test
    void bundleChangedAfterSigningIsTamperedAndNothingIsExtracted() throws Exception {
        Path other = TestSets.bundle(dir, "dev.palisade.shell", "0.2.0", "evil shell");
        Path set = TestArchives.doctor(signed(publisher, shell), dir.resolve("tampered.zip"), e -> {
            try {
                e.put("bundles/dev.palisade.shell.jar", Files.readAllBytes(other));
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        assertEquals(DeployRefusal.TAMPERED, refusal(set));
        assertEquals(0, Files.list(extract).count(), "nothing of a tampered set is extracted");
    }

    @Test
    void unlistedBundleInTheSetIsTampered() throws Exception {
        Path set = TestArchives.doctor(signed(publisher, shell), dir.resolve("extra.zip"),
                e -> e.put("bundles/sneaky.jar", new byte[] {1, 2, 3}));
        assertEquals(DeployRefusal.TAMPERED, refusal(set));
    }

    @Test
    void missingBundleIsTampered() throws Exception {
        Path set = TestArchives.doctor(signed(publisher, shell), dir.resolve("missing.zip"),
                e -> e.remove("bundles/dev.palisade.shell.jar"));
        assertEquals(DeployRefusal.TAMPERED, refusal(set));
    }

    @Test
    void malformedInputsAreRefusedNamingWhatIsWrong() throws Exception {
        Path notZip = Files.writeString(dir.resolve("notes.zip"), "hello");
        assertEquals(DeployRefusal.MALFORMED, refusal(notZip));
        Path traversal = TestArchives.doctor(signed(publisher, shell), dir.resolve("traversal.zip"),
                e -> e.put("../../etc/passwd", new byte[] {1}));
        SetRefusedException e = assertThrows(SetRefusedException.class,
                () -> verifier.verify(traversal, extract, CREATED));
        assertEquals(DeployRefusal.MALFORMED, e.refusal());
        assertTrue(e.getMessage().contains("../../etc/passwd"), e.getMessage());
        Path noManifest = TestArchives.doctor(signed(publisher, shell), dir.resolve("nomf.zip"),
                m -> m.remove(UpdateSetFormat.MANIFEST));
        assertEquals(DeployRefusal.MALFORMED, refusal(noManifest));
    }

    @Test
    void aBundleOverTheSizeLimitIsRefusedAndNotLeftBehind() throws Exception {
        verifier = new UpdateSetVerifier(List.of(root.certificate()), "etc/code-signing", 100);
        SetRefusedException e = assertThrows(SetRefusedException.class,
                () -> verifier.verify(signed(publisher, shell), extract, CREATED));
        assertEquals(DeployRefusal.MALFORMED, e.refusal());
        assertTrue(e.getMessage().contains("limit of 100 bytes"), e.getMessage());
        assertEquals(0, Files.list(extract).count());
    }

    @Test
    void manifestParsingAcceptsOnlyTheCanonicalSpelling() throws Exception {
        String good = "palisade-update-set: 1\ncreated: 2026-11-21T22:00:00Z\nbundle: a.b 1.0.0 "
                + "0".repeat(64) + " bundles/a.b.jar\n";
        SetManifest parsed = SetManifest.parse(good.getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(good.getBytes(StandardCharsets.UTF_8), parsed.canonicalBytes());
        for (String bad : List.of(good.replace("\n", "\r\n"), good.trim(), good.replace(": 1", ": 2"),
                good.replace("bundle: ", "bundle:  "), good.replace("1.0.0", "1.x"),
                good.replace("bundles/a.b.jar", "../a.b.jar"), good + good.substring(good.indexOf("bundle:")),
                good.replace("22:00:00Z", "22:00:00.5Z"), "palisade-update-set: 1\ncreated: 2026-11-21T22:00:00Z\n")) {
            SetRefusedException e = assertThrows(SetRefusedException.class,
                    () -> SetManifest.parse(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertEquals(DeployRefusal.MALFORMED, e.refusal());
        }
    }
}
