package dev.palisade.hub.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.palisade.hub.admin.CaService;
import dev.palisade.hub.admin.DeviceService;
import dev.palisade.hub.broker.GatewayAuthenticator;
import dev.palisade.hub.broker.Verdict;
import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.Role;
import dev.palisade.hub.registry.SqliteHubRegistry;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * The hub's decision per CONNECT: registry lookups in SQLite plus PKIX validation of a depth-3
 * chain (gateway, issuing CA, verified root), against the baseline of the PKIX validation alone.
 * The registry holds 10 verified CAs and 1000 gateways, so lookups are not on an empty table.
 * Both sides parse the chain from DER on every call, as every TLS handshake does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m", "-Dlogback.configurationFile=palisade-hub-logback.xml"})
public class GatewayAuthenticatorBenchmark {
    private Path dir;
    private SqliteHubRegistry registry;
    private GatewayAuthenticator authenticator;
    private byte[][] chainDer;
    private CertificateFactory factory;
    private PKIXParameters params;
    private CertPathValidator validator;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("hub-bench");
        registry = SqliteHubRegistry.open(dir.resolve("registry.db"));
        CaService cas = new CaService(registry, Clock.systemUTC(), Duration.ofHours(1), "bench");
        DeviceService devices = new DeviceService(registry, Clock.systemUTC(), "bench");
        TestCredential root = null;
        for (int i = 0; i < 10; i++) {
            TestCredential ca = TestPki.rootCa("Bench-Root-" + i, Duration.ofDays(30));
            CaRecord pending = cas.upload(null, ca.certificate());
            cas.verify(pending.name(), TestPki.verificationCertificate(ca, pending.code(), Duration.ofDays(1))
                    .certificate());
            root = ca;
        }
        for (int i = 0; i < 1000; i++) {
            devices.add("gw-" + i, Role.GATEWAY, List.of(CredentialKind.CA_CHAIN), null, null);
        }
        TestCredential issuing = TestPki.intermediateCa(root, "Bench-Issuing", Duration.ofDays(30));
        TestCredential gateway = TestPki.leaf(issuing, "gw-500", TestPki.Kind.GATEWAY, Duration.ofDays(30));
        chainDer = new byte[gateway.chain().size()][];
        for (int i = 0; i < chainDer.length; i++) {
            chainDer[i] = gateway.chain().get(i).getEncoded();
        }
        factory = CertificateFactory.getInstance("X.509");
        authenticator = new GatewayAuthenticator(registry);
        if (!authenticator.authenticate("gw-500", freshChain(), null, Instant.now()).accepted()) {
            throw new IllegalStateException("the benchmark's gateway is not accepted");
        }
        params = new PKIXParameters(Set.of(new TrustAnchor(root.certificate(), null)));
        params.setRevocationEnabled(false);
        validator = CertPathValidator.getInstance("PKIX");
    }

    /**
     * Each CONNECT brings certificate objects parsed from its own TLS handshake; parsing afresh
     * also defeats the JDK's per-object cache of a verified signature, which would otherwise
     * turn both measurements into cache hits.
     */
    private X509Certificate[] freshChain() throws java.security.cert.CertificateException {
        X509Certificate[] chain = new X509Certificate[chainDer.length];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = (X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(chainDer[i]));
        }
        return chain;
    }

    @Benchmark
    public Verdict authenticateAgainstTheRegistry() throws Exception {
        return authenticator.authenticate("gw-500", freshChain(), null, Instant.now());
    }

    @Benchmark
    public Object pkixValidationAlone() throws Exception {
        X509Certificate[] chain = freshChain();
        CertPath path = factory.generateCertPath(List.of(chain[0], chain[1]));
        return validator.validate(path, params);
    }

    @TearDown
    public void tearDown() throws Exception {
        registry.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
