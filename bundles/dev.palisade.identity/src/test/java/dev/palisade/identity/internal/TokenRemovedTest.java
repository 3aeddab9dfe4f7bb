package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token removed while the gateway runs, and put back. Simulated by moving the SoftHSM2 token's
 * objects away (see {@link #removeToken()}): the running library then fails on the key's handle
 * ({@code CKR_OBJECT_HANDLE_INVALID}) and, opened afresh, finds a token without the gateway's
 * key, which is what a gateway sees when a token is pulled or its storage vanishes. The identity must report DOWN with
 * the reason, withdraw its services, fail signatures at once (no hang), and come back by itself
 * when the directory returns.
 */
class TokenRemovedTest {

    private final SoftHsmToken token = SoftHsmToken.get();
    private Pkcs11IdentityComponent component;
    private Path tokenDirectory;
    private Path movedAway;

    @TempDir
    Path dir;

    @AfterEach
    void putTheTokenBackAndStop() throws Exception {
        if (movedAway != null && Files.exists(movedAway)) {
            putTokenBack(); // the token is shared by every test of this JVM
        }
        if (component != null) {
            component.stop();
        }
    }

    private RecordingPublisher provision(int checkSeconds) throws Exception {
        RecordingPublisher publisher = new RecordingPublisher();
        String alias = "removed-" + System.nanoTime();
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", alias);
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        values.put("token_retry_initial_seconds", 1);
        values.put("token_retry_max_seconds", 2);
        values.put("token_check_seconds", checkSeconds);
        component = new Pkcs11IdentityComponent(TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir,
                dir.resolve("state"), n -> null, publisher);
        component.opened().get(60, TimeUnit.SECONDS);
        component.init(alias, KeyType.EC_P256);
        TestCa ca = new TestCa("Removed " + System.nanoTime());
        X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-removed"), List.of())),
                Duration.ofDays(365));
        component.install(List.of(leaf, ca.intermediate), ca.root);
        assertEquals(Health.UP, component.health().health(), component.health().summary());
        return publisher;
    }

    /**
     * Moves every object file of the token away, keeping the token's own record. Moving the whole
     * directory would be closer to pulling a token, but SoftHSM2 then marks the token broken for
     * the rest of the process (CKR_GENERAL_ERROR on every open, even after the directory is back;
     * measured), and the token is shared by every test of this JVM.
     */
    private void removeToken() throws Exception {
        Path tokens = token.directory.resolve("tokens");
        try (Stream<Path> entries = Files.list(tokens)) {
            tokenDirectory = entries.filter(Files::isDirectory).findFirst()
                    .orElseThrow(() -> new AssertionError("no token directory in " + tokens));
        }
        movedAway = Files.createDirectories(token.directory.resolve("removed-objects"));
        try (Stream<Path> files = Files.list(tokenDirectory)) {
            for (Path file : files.filter(f -> !KEPT.contains(f.getFileName().toString())).toList()) {
                Files.move(file, movedAway.resolve(file.getFileName()));
            }
        }
        bumpGeneration();
    }

    /** The token's own record: SoftHSM2's token object, its lock and generation counter. */
    private static final List<String> KEPT = List.of("token.object", "token.lock", "generation");

    private void putTokenBack() throws Exception {
        try (Stream<Path> files = Files.list(movedAway)) {
            for (Path file : files.toList()) {
                Files.move(file, tokenDirectory.resolve(file.getFileName()));
            }
        }
        Files.delete(movedAway);
        bumpGeneration();
    }

    /**
     * SoftHSM2 re-reads a token directory only when its {@code generation} file (an 8-byte
     * big-endian counter that every writer increments) changed, so objects that go or come back
     * are announced the way SoftHSM2's own writers announce changes.
     */
    private void bumpGeneration() throws Exception {
        Path generation = tokenDirectory.resolve("generation");
        long value = java.nio.ByteBuffer.wrap(Files.readAllBytes(generation)).getLong();
        Files.write(generation, java.nio.ByteBuffer.allocate(8).putLong(value + 1).array());
    }

    @Test
    void aSignatureOnARemovedTokenFailsAtOnceThenTheIdentityComesBackWithTheToken() throws Exception {
        RecordingPublisher publisher = provision(0); // no periodic check: the failed signature alone must do it
        X509Certificate leaf = publisher.signer.sign(new byte[] {1}).certificate();

        removeToken();
        IdentityException failed = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IdentityException.class, () -> publisher.signer.sign(new byte[] {2})),
                "signing on a removed token must fail, not hang");
        assertEquals(Reason.TOKEN_ABSENT, failed.reason(), failed.getMessage());
        assertTrue(failed.getMessage().contains("is gone (CKR_OBJECT_HANDLE_INVALID)"), failed.getMessage());

        assertTrue(within(Duration.ofSeconds(10), () -> !publisher.published), "signer and identity withdrawn");
        HealthReport down = component.health();
        assertEquals(Health.DOWN, down.health(), down.summary());
        assertEquals(Reason.TOKEN_ABSENT.toString(), down.details().get("reason"), down.toString());
        // Retries meanwhile open the token afresh and find it empty: still absent, never "run init".
        Thread.sleep(2_500);
        HealthReport stillDown = component.health();
        assertEquals(Reason.TOKEN_ABSENT.toString(), stillDown.details().get("reason"), stillDown.toString());
        assertFalse(stillDown.summary().contains("no gateway key yet"), stillDown.summary());
        IdentityException unavailable = assertThrows(IdentityException.class, () -> publisher.signer.sign(new byte[] {3}));
        assertEquals(Reason.TOKEN_ABSENT, unavailable.reason());

        putTokenBack();
        assertTrue(within(Duration.ofSeconds(15), () -> component.health().health() == Health.UP),
                () -> "not back: " + component.health());
        assertTrue(publisher.published, "signer and identity registered again");
        assertEquals(leaf, publisher.signer.sign(new byte[] {4}).certificate(), "the same identity signs again");
    }

    @Test
    void theTokenCheckNoticesARemovedTokenThatNobodySignsWith() throws Exception {
        RecordingPublisher publisher = provision(1);
        removeToken();
        assertTrue(within(Duration.ofSeconds(10), () -> component.health().health() == Health.DOWN),
                () -> "the periodic check did not notice: " + component.health());
        assertEquals(Reason.TOKEN_ABSENT.toString(), component.health().details().get("reason"));
        assertFalse(publisher.published, "what the upstream link uses is withdrawn, so the link goes down");
        assertTrue(within(Duration.ofSeconds(10), () -> component.health().summary().contains("is not in")),
                () -> "the retries report the missing key: " + component.health());

        putTokenBack();
        assertTrue(within(Duration.ofSeconds(15), () -> component.health().health() == Health.UP),
                () -> "not back: " + component.health());
        assertTrue(publisher.published);
    }

    @Test
    void anOperatorCommandThatFindsTheTokenGoneAlsoLeadsToRecovery() throws Exception {
        RecordingPublisher publisher = provision(1);
        removeToken();
        // "identity show" is the first to find out: it records the loss but schedules nothing itself.
        IdentityException show = assertThrows(IdentityException.class, component::current);
        assertEquals(Reason.TOKEN_ABSENT, show.reason(), show.getMessage());
        assertTrue(show.getMessage().contains("is not in"), show.getMessage());
        assertFalse(publisher.published);

        putTokenBack();
        assertTrue(within(Duration.ofSeconds(15), () -> component.health().health() == Health.UP),
                () -> "the periodic check did not start the search: " + component.health());
        assertTrue(publisher.published);
    }

    static boolean within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }
}
