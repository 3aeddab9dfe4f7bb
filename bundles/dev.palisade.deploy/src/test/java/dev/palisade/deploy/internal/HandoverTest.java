package dev.palisade.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.upstream.LinkHandover;
import dev.palisade.testkit.TestArchives;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

/** When the deployer replaces a bundle side by side, and why it goes in place otherwise (the framework part: DeployHandoverIT). */
class HandoverTest {
    private static final String LINK = "acme.link";
    private static final String CONTRACT = LinkHandover.CONTRACT;

    private final Map<String, Handover.Running> running = new HashMap<>();
    private final Map<String, Handover.Revision> incoming = new HashMap<>();

    private Handover.Decision decide(Change... changes) {
        return Handover.decide(List.of(changes), c -> Optional.ofNullable(running.get(c.symbolicName())),
                c -> incoming.get(c.symbolicName()));
    }

    private void runs(String name, String version, String handover) {
        running.put(name, new Handover.Running(new Handover.Revision(Version.parseVersion(version), handover), true, false,
                List.of(), List.of()));
    }

    private void arrives(String name, String version, String handover) {
        incoming.put(name, new Handover.Revision(Version.parseVersion(version), handover));
    }

    private static Change replace(String name) {
        return new Change(name, "/kept/" + name + ".jar", "/new/" + name + ".jar", true);
    }

    @Test
    void aHigherVersionOfARunningBundleDeclaringTheSameHandoverGoesSideBySide() {
        runs(LINK, "1.0.0", CONTRACT);
        arrives(LINK, "1.0.1", CONTRACT);
        Handover.Decision d = decide(replace(LINK));
        assertTrue(d.sideBySide(), d.reason());
        assertEquals(LINK + " 1.0.0 -> 1.0.1, both declare Palisade-Handover '" + CONTRACT + "'", d.reason());
    }

    @Test
    void theSameVersionADowngradeOrAnotherContractGoInPlaceAndSayWhy() {
        runs(LINK, "1.1.0", CONTRACT);
        arrives(LINK, "1.1.0", CONTRACT);
        assertInPlace(decide(replace(LINK)), "same version");

        arrives(LINK, "1.0.0", CONTRACT);
        assertInPlace(decide(replace(LINK)), "goes down from 1.1.0 to 1.0.0");

        arrives(LINK, "2.0.0", "acme.OtherContract");
        assertInPlace(decide(replace(LINK)), "not the same hand-over");
    }

    @Test
    void bothRevisionsMustDeclareTheHeader() {
        runs(LINK, "1.0.0", null);
        arrives(LINK, "2.0.0", CONTRACT);
        assertInPlace(decide(replace(LINK)), "the running " + LINK + " 1.0.0 does not declare Palisade-Handover");

        runs(LINK, "1.0.0", CONTRACT);
        arrives(LINK, "2.0.0", null);
        assertInPlace(decide(replace(LINK)), "the new " + LINK + " 2.0.0 does not declare Palisade-Handover");
    }

    @Test
    void onlyASetOfOneReplacementOfARunningNonFragmentBundle() {
        runs(LINK, "1.0.0", CONTRACT);
        arrives(LINK, "2.0.0", CONTRACT);
        runs("acme.other", "1.0.0", null);
        arrives("acme.other", "1.1.0", null);
        assertInPlace(decide(replace(LINK), replace("acme.other")), "the set changes 2 bundles");

        assertInPlace(decide(new Change(LINK, "/kept/x.jar", "/new/x.jar", false)), "is not running");
        assertInPlace(decide(new Change(LINK, null, "/new/x.jar", false)), "is not installed yet");
        assertInPlace(decide(new Change(LINK, "/kept/x.jar", null, true)), "the set removes " + LINK);

        running.put(LINK, new Handover.Running(new Handover.Revision(new Version(1, 0, 0), CONTRACT), true, true,
                List.of(), List.of()));
        assertInPlace(decide(replace(LINK)), "is a fragment");
    }

    @Test
    void notWhenRemovingTheOldOneWouldRestartOtherBundles() {
        arrives(LINK, "2.0.0", CONTRACT);
        running.put(LINK, new Handover.Running(new Handover.Revision(new Version(1, 0, 0), CONTRACT), true, false,
                List.of("acme.user 1.0.0"), List.of()));
        assertInPlace(decide(replace(LINK)), "would restart acme.user 1.0.0");
        running.put(LINK, new Handover.Running(new Handover.Revision(new Version(1, 0, 0), CONTRACT), true, false,
                List.of(), List.of("acme.link.api")));
        assertInPlace(decide(replace(LINK)), "exports acme.link.api");
    }

    @Test
    void aBundleThatDoesNotDeclareTheHeaderIsNotNews() {
        runs("acme.other", "1.0.0", null);
        arrives("acme.other", "1.0.0", null);
        Handover.Decision d = decide(replace("acme.other"));
        assertFalse(d.sideBySide());
        assertFalse(d.declared(), "in place is the rule for it, the log need not say why");
    }

    @Test
    void theHeaderAndVersionAreReadFromTheJarsManifest(@TempDir Path dir) throws Exception {
        Path jar = TestArchives.bundle(dir.resolve("link.jar"), LINK, "1.2.3", Map.of(LinkHandover.HEADER,
                " " + CONTRACT + " "), Map.of("x.txt", new byte[] {1}));
        assertEquals(new Handover.Revision(new Version(1, 2, 3), CONTRACT), Handover.declared(jar));
        Path plain = TestArchives.bundle(dir.resolve("plain.jar"), LINK, "1.2.3", Map.of(), Map.of("x.txt", new byte[] {1}));
        assertEquals(new Handover.Revision(new Version(1, 2, 3), null), Handover.declared(plain));
    }

    private static void assertInPlace(Handover.Decision d, String why) {
        assertFalse(d.sideBySide(), d.reason());
        assertTrue(d.declared(), d.reason());
        assertTrue(d.reason().contains(why), "reason '" + d.reason() + "' should say: " + why);
    }
}
