package dev.palisade.trust.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.palisade.api.trust.RevocationPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a domain configuration, as ConfigAdmin delivers it from a .cfg file, becomes a policy. */
class DomainLoaderTest {

    @TempDir
    Path etc;

    private DomainState load(Map<String, Object> values) {
        TrustFiles.certificates(etc.resolve("root.pem"), TestPki.root("Root").issue());
        Map<String, Object> all = new java.util.HashMap<>(values);
        all.put("name", "d");
        all.put("anchors", new String[] {"root.pem"});
        DomainState state = DomainLoader.load(TypedConfigs.of(TrustDomainComponent.Config.class, all), etc, TestPki.NOW);
        assertFalse(state.isDown(), state::down);
        return state;
    }

    @Test
    void theConfigurationDefaultsAreTheEnginesDefaults() {
        // DomainPolicy.defaults() serves the engine's tests; it must not drift from what an operator gets.
        assertEquals(DomainPolicy.defaults(), load(Map.of()).policy());
    }

    @Test
    void aCfgFileGivesListsAsOneCommaSeparatedString() {
        DomainState state = load(Map.of("key_types", new String[] {"ec-p384, ed25519"},
                "eku_client", new String[] {"clientAuth,1.3.6.1.4.1.99999.1"},
                "identity_rule", "san-uri", "identity_uri_prefix", "urn:dev:",
                "revocation", "none", "max_depth", 2, "clock_skew_seconds", 60L));
        assertEquals(Set.of("ec-p384", "ed25519"), state.policy().keyTypes());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2", "1.3.6.1.4.1.99999.1"), state.policy().clientEku());
        assertEquals(new IdentityRule(IdentityRule.Source.SAN_URI, "urn:dev:"), state.policy().identity());
        assertEquals(2, state.policy().maxDepth());
        assertEquals(Duration.ofMinutes(1), state.policy().clockSkew());
        assertEquals(RevocationPolicy.OFF, state.revocation());
    }
}
