package dev.palisade.deploy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The gate's rules for health indicators and the upstream link (components need a framework: DeployIT). */
class HealthGateTest {
    private final AtomicReference<Health> spool = new AtomicReference<>(Health.UP);
    private final AtomicReference<Health> modbus = new AtomicReference<>(Health.DOWN);
    private final AtomicReference<LinkState> link = new AtomicReference<>(LinkState.UP);
    private final HealthIndicator spoolIndicator = () -> HealthReport.of("spool", spool.get(), "spool is " + spool.get());
    private final HealthIndicator modbusIndicator = () -> HealthReport.of("modbus", modbus.get(), "plc1 unreachable");
    private final HubLink hubLink = new HubLink() {
        @Override
        public LinkState state() {
            return link.get();
        }

        @Override
        public CompletionStage<byte[]> request(String suffix, byte[] payload, Duration timeout) {
            throw new UnsupportedOperationException();
        }
    };
    private final HealthGate gate = new HealthGate(() -> null, () -> List.of(spoolIndicator, modbusIndicator), () -> hubLink);

    @Test
    void passesWhenWhatServedBeforeServesAgainEvenIfSomethingWasAlreadyDown() throws Exception {
        HealthGate.Before before = gate.snapshot(List.of());
        assertEquals(Optional.empty(), gate.await(List.of(), before, Duration.ofMillis(200)));
    }

    @Test
    void failsNamingTheIndicatorThatStoppedServing() throws Exception {
        HealthGate.Before before = gate.snapshot(List.of());
        spool.set(Health.DOWN);
        Optional<HealthGate.Failure> failure = gate.await(List.of(), before, Duration.ofMillis(200));
        assertEquals(RollbackCause.HEALTH_GATE, failure.orElseThrow().cause());
        assertTrue(failure.get().detail().contains("health spool is DOWN"), failure.get().detail());
    }

    @Test
    void waitsForTheLinkToComeBackUpIfItWasUp() throws Exception {
        HealthGate.Before before = gate.snapshot(List.of());
        link.set(LinkState.CONNECTING);
        Optional<HealthGate.Failure> failure = gate.await(List.of(), before, Duration.ofMillis(200));
        assertTrue(failure.orElseThrow().detail().contains("the upstream link was UP and is CONNECTING"),
                failure.get().detail());

        new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                return;
            }
            link.set(LinkState.UP);
        }).start();
        assertEquals(Optional.empty(), gate.await(List.of(), before, Duration.ofSeconds(5)));
    }

    @Test
    void aLongGateSaysWhatItStillWaitsForAtEachInterval() throws Exception {
        HealthGate.Before before = gate.snapshot(List.of());
        spool.set(Health.DOWN);
        List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        Optional<HealthGate.Failure> failure = gate.await(List.of(), before, Duration.ofMillis(700),
                Duration.ofMillis(200), reports::add);
        assertTrue(failure.isPresent());
        assertTrue(reports.size() >= 2 && reports.size() <= 4, "one report per 200 ms of a 700 ms gate: " + reports);
        assertTrue(reports.get(0).startsWith("still waiting, ") && reports.get(0).contains("health spool is DOWN"),
                reports.get(0));
    }

    @Test
    void alsoWaitsForWhatTheCallerNamesAndFailsWithItAtTheTimeout() throws Exception {
        HealthGate.Before before = gate.snapshot(List.of());
        AtomicReference<List<String>> pending = new AtomicReference<>(List.of("the running acme.link 1.0.0 has not handed over"));
        Optional<HealthGate.Failure> failure = gate.await(List.of(), before, Duration.ofMillis(200), Duration.ofSeconds(10),
                waiting -> { }, pending::get);
        assertEquals(RollbackCause.HEALTH_GATE, failure.orElseThrow().cause());
        assertTrue(failure.get().detail().contains("acme.link 1.0.0 has not handed over"), failure.get().detail());

        new Thread(() -> {
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                return;
            }
            pending.set(List.of());
        }).start();
        assertEquals(Optional.empty(), gate.await(List.of(), before, Duration.ofSeconds(5), Duration.ofSeconds(10),
                waiting -> { }, pending::get));
    }

    @Test
    void aLinkThatWasDownNeedNotComeUp() throws Exception {
        link.set(LinkState.DOWN);
        HealthGate.Before before = gate.snapshot(List.of());
        assertEquals(Optional.empty(), gate.await(List.of(), before, Duration.ofMillis(200)));
    }
}
