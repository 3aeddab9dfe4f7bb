package dev.palisade.hub.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.palisade.hub.enroll.EnrollmentService;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.SqliteEnrollmentStore;
import dev.palisade.hub.registry.SqliteHubRegistry;
import dev.palisade.protocol.enroll.ChallengeClock;

/**
 * The child-topic rule, asked on every {@code d/<C>/…} publish: "is G the parent of C?".
 * {@code registryRead} is what the hub did before the cache (one SQLite read per publish, on the
 * extension executor); {@code cachedDecision} is what the publish interceptor does now
 * ({@code isParentCached}, falling back to a read only when not cached). 10,000 enrolled children,
 * publishes spread over all of them, each relation under a verified CA and with a notAfter (both
 * checked by the rule since the review of issue 8). The executor hop that a read also needs (and a cache hit
 * skips) is not in either figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m", "-Dlogback.configurationFile=palisade-hub-logback.xml"})
public class ChildTopicRuleBenchmark {
    private static final int CHILDREN = 10_000;
    private Path dir;
    private SqliteHubRegistry registry;
    private SqliteEnrollmentStore store;
    private EnrollmentService service;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("child-rule-bench");
        registry = SqliteHubRegistry.open(dir.resolve("registry.db"));
        store = SqliteEnrollmentStore.open(dir.resolve("registry.db"));
        // Every relation depends on a verified CA and has a notAfter, as enrolled relations do: the
        // rule checks both (the CA's status in a set, the notAfter against the clock).
        var ca = dev.palisade.pki.TestPki.rootCa("Bench-Root", java.time.Duration.ofDays(365)).certificate();
        String thumbprint = dev.palisade.pki.PkiFiles.thumbprint(ca);
        registry.addCa(new dev.palisade.hub.registry.CaRecord("Bench-Root", ca.getSubjectX500Principal().getName(), thumbprint,
                ca.getEncoded(), dev.palisade.hub.registry.CaStatus.VERIFIED, null, null, null, Instant.now(), Instant.now()));
        Instant notAfter = Instant.now().plus(java.time.Duration.ofDays(365));
        List<EnrollmentStore.ChildRecord> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            children.add(new EnrollmentStore.ChildRecord("child-" + i, "gw-1", "relay", new byte[300], Instant.now(), thumbprint,
                    notAfter));
        }
        store.recordChildren("gw-1", children);
        service = new EnrollmentService(EnrollmentSettings.defaults(), registry, store,
                new ChallengeClock(new SecureRandom(), ChallengeClock.DEFAULT_LIFETIME), Clock.systemUTC());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        store.close();
        registry.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private String nextChild() {
        next = (next + 7919) % CHILDREN; // a prime stride: every child, no locality
        return "child-" + next;
    }

    @Benchmark
    public boolean registryRead() throws Exception {
        return store.parentOf(nextChild()).map("gw-1"::equals).orElse(false);
    }

    @Benchmark
    public boolean cachedDecision() throws Exception {
        String child = nextChild();
        Boolean known = service.isParentCached("gw-1", child);
        return known != null ? known : service.isParent("gw-1", child);
    }
}
