package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token that is absent when the component starts and appears later: the component reports
 * DOWN (TOKEN_ABSENT) and recovers on its own thread, without being activated again.
 *
 * <p>How absence is simulated: SoftHSM2 is one library per JVM, initialised once and never
 * finalised, so the test cannot unplug its token. It points the component at a library path
 * that does not exist yet and then creates it (a symbolic link to libsofthsm2.so), which is what
 * a gateway sees when the token's package or device node arrives after boot.
 */
class TokenAbsentTest {

    private static final AtomicInteger ALIASES = new AtomicInteger();

    private final SoftHsmToken token = SoftHsmToken.get();
    private final List<Pkcs11IdentityComponent> started = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        for (Pkcs11IdentityComponent component : started) {
            component.stop();
        }
    }

    private Pkcs11IdentityComponent start(Path library, String alias, String state, RecordingPublisher publisher)
            throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", library.toString());
        values.put("alias", alias);
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        values.put("token_retry_initial_seconds", 1);
        values.put("token_retry_max_seconds", 2);
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve(state), n -> null, publisher);
        started.add(component);
        component.opened().get(60, TimeUnit.SECONDS);
        return component;
    }

    private static boolean within(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    @Test
    void aTokenAbsentAtStartIsReportedDownThenPickedUpWithoutARestart() throws Exception {
        // An issued identity on the token, provisioned through the real library.
        String alias = "absent-" + ALIASES.incrementAndGet();
        Pkcs11IdentityComponent provisioner = start(token.library, alias, "provisioning", new RecordingPublisher());
        provisioner.init(alias, KeyType.EC_P256);
        TestCa ca = new TestCa("Absent " + System.nanoTime());
        X509Certificate leaf = ca.issue(provisioner.csr(new CsrRequest(new X500Principal("CN=gw-late"), List.of())),
                Duration.ofDays(365));
        provisioner.install(List.of(leaf, ca.intermediate), ca.root);

        Path library = dir.resolve("late/libsofthsm2.so");
        RecordingPublisher publisher = new RecordingPublisher();
        Pkcs11IdentityComponent component = start(library, alias, "state", publisher);

        HealthReport down = component.health();
        assertEquals(Health.DOWN, down.health(), down.summary());
        assertEquals(Reason.TOKEN_ABSENT.toString(), down.details().get("reason"), down.toString());
        assertTrue(down.summary().contains("does not exist"), down.summary());
        assertFalse(publisher.published);

        Files.createDirectories(library.getParent());
        Files.createSymbolicLink(library, token.library);

        // First retry after 1 s, then every 2 s: well within 10 s.
        assertTrue(within(Duration.ofSeconds(10), () -> component.health().health() == Health.UP),
                () -> "still " + component.health());
        assertTrue(publisher.published, "signer and identity registered once the token is there");
        assertEquals("gw-late", publisher.identity.gatewayId());
        assertEquals(leaf, publisher.signer.sign(new byte[] {1, 2, 3}).certificate());
    }

    @Test
    void aRefusedPinIsNotRetriedOnTheSchedule() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("pin_env", "GATEWAY_PIN");
        values.put("token_retry_initial_seconds", 1);
        values.put("token_retry_max_seconds", 1);
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), name -> {
                    reads.incrementAndGet();
                    return "999999" + token.pin;
                }, new RecordingPublisher());
        started.add(component);
        component.opened().get(60, TimeUnit.SECONDS);

        Thread.sleep(3_500); // three retry intervals
        HealthReport report = component.health();
        assertEquals(Health.DOWN, report.health());
        assertEquals(Reason.WRONG_PIN.toString(), report.details().get("reason"), report.toString());
        assertTrue(report.summary().contains("It is not retried"), report.summary());
        assertEquals(1, reads.get(), "the refused PIN was presented once, at start, and not again");

        // An operator command with the same PIN source does not present it again either.
        IdentityException again = assertThrows(IdentityException.class, component::current);
        assertEquals(Reason.WRONG_PIN, again.reason());
        assertTrue(again.getMessage().contains("not tried again"), again.getMessage());
        assertEquals(1, reads.get(), "still one presentation of the wrong PIN");

        // The token was not locked: the right PIN still logs in.
        Map<String, Object> right = new HashMap<>();
        right.put("library", token.library.toString());
        right.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        Pkcs11IdentityComponent good = new Pkcs11IdentityComponent(TypedConfigs.of(Pkcs11IdentityComponent.Config.class, right),
                dir, dir.resolve("state-good"), n -> null, new RecordingPublisher());
        started.add(good);
        good.opened().get(60, TimeUnit.SECONDS);
        assertEquals(null, good.manager().failure(), "the right PIN is accepted after the wrong one");
    }

    @Test
    void aSlotWithoutATokenIsRetriedAndStaysDown() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("slot_index", 7);
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        values.put("token_retry_initial_seconds", 1);
        values.put("token_retry_max_seconds", 1);
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), n -> null,
                new RecordingPublisher());
        started.add(component);
        component.opened().get(60, TimeUnit.SECONDS);

        Thread.sleep(2_500); // retries ran meanwhile
        HealthReport report = component.health();
        assertEquals(Health.DOWN, report.health());
        assertEquals(Reason.TOKEN_ABSENT.toString(), report.details().get("reason"), report.toString());
        assertTrue(report.summary().contains("slot index 7"), report.summary());
    }
}
