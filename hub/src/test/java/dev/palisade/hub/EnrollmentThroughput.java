package dev.palisade.hub;

import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.PkiFiles;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import dev.palisade.protocol.enroll.BatchAssembler;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;
import dev.palisade.protocol.enroll.Wire;

/**
 * End-to-end enrollment throughput against the running reference hub (in this JVM, HiveMQ CE and
 * its SQLite registry): a gateway whose key is on a PKCS#11 token (SoftHSM2, or tpm2-pkcs11 over
 * swtpm) or in software, enrolling {@code relay} children whose keys are in software, in batches
 * of 1, 10, 100 and 1,000 under one token signature each. Per signer it also measures the token's
 * raw signatures per second in the same run (the baseline batching must beat).
 *
 * <p>Per batch: the request round trip (the hub checks each chain and records each challenge),
 * the children's signatures, the hash tree and one token signature ({@link BatchAssembler}), and
 * the proof round trip (the hub verifies the gateway signature once and each child's proof,
 * consumes each challenge and records each relation). The TLS session is made with the same token
 * key, as on a gateway: the hub verifies the batch signature with the session certificate's key.
 *
 * <p>The children sign as real ones would, each on its own device, in parallel: here on a pool
 * of {@code bench.childThreads} threads (default: one per core) with {@code bench.childProvider}
 * (default {@code bc}, a Bouncy Castle provider instance; {@code SunEC} for the JDK's). What that
 * costs is reported, per child, both as the wall time the gateway waited for the signatures
 * (in the end-to-end figure) and as the sum of the signatures' own times (what the devices spent).
 *
 * <p>With {@code -Dbench.hub=process} the hub runs alone in a JVM of its own
 * ({@link BenchHubProcess}) instead of in this one, so the gateway's work (the children's
 * signatures, the hash tree, TLS) is not on the hub's threads' CPU budget in the same heap.
 *
 * <p>Run by {@code bench/enroll/run.sh}, which makes fresh tokens and passes
 * {@code -Dbench.<signer>.library}/{@code .pin}. Not a test (Surefire does not pick it up).
 */
public final class EnrollmentThroughput {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final Pattern CODE = Pattern.compile("verification code ([0-9A-F]{48})");
    private static final String HUB = EnrollmentSettings.DEFAULT_HUB_ID;
    private static final String GATEWAY = "gw-bench";

    private final int hubPort;
    private final Path hubServerCa;
    private final TestCredential ca;
    private final int repetitions;
    /** Numbers the children: every measured run enrolls children the hub has never seen. */
    private int childSerial;
    /** The children's devices: they sign at once, not one after the other in the gateway's thread. */
    private final ExecutorService devices;
    private final int deviceThreads;
    private final Provider childProvider;

    private EnrollmentThroughput(int hubPort, Path hubServerCa, TestCredential ca, int repetitions) {
        this.hubPort = hubPort;
        this.hubServerCa = hubServerCa;
        this.ca = ca;
        this.repetitions = repetitions;
        this.deviceThreads = Integer.getInteger("bench.childThreads", Runtime.getRuntime().availableProcessors());
        this.devices = Executors.newFixedThreadPool(deviceThreads, r -> {
            Thread t = new Thread(r, "bench-child-device");
            t.setDaemon(true);
            return t;
        });
        String name = System.getProperty("bench.childProvider", "bc");
        this.childProvider = name.equalsIgnoreCase("bc") ? new BouncyCastleProvider() : Security.getProvider(name);
        if (childProvider == null) {
            throw new IllegalStateException("bench.childProvider: no provider '" + name + "' (bc or SunEC)");
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> signers = List.of(System.getProperty("bench.signers", "softhsm,tpm,software").split(","));
        int[] batchSizes = Arrays.stream(System.getProperty("bench.batches", "1,10,100,1000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int repetitions = Integer.getInteger("bench.repetitions", 5);
        int perRun = Integer.getInteger("bench.children", 1000);
        Path data = Files.createTempDirectory("enroll-bench");
        TestCredential root = TestPki.rootCa("Bench-Root", YEAR);
        boolean separate = "process".equals(System.getProperty("bench.hub", "inline"));
        try (AutoCloseable hub = separate ? BenchHubProcess.launch(data, root) : inlineHub(data, root)) {
            int port = hub instanceof HubFixture f ? f.port : ((BenchHubProcess.Handle) hub).port();
            Path serverCa = hub instanceof HubFixture f ? f.serverCa() : ((BenchHubProcess.Handle) hub).serverCa();
            EnrollmentThroughput bench = new EnrollmentThroughput(port, serverCa, root, repetitions);
            System.out.println("# the hub runs " + (separate ? "alone in its own JVM (bench.hub=process)" : "in the benchmark's JVM")
                    + "; the children sign on " + bench.deviceThreads + " threads with " + bench.childProvider.getName());
            System.out.printf(Locale.ROOT, "%-8s %6s %10s %12s %12s %12s %12s %12s %12s%n", "signer", "batch", "children",
                    "children/s", "tokenSig/s", "hubReq us/c", "hubProof us/c", "childSig us/c", "childSum us/c");
            for (String signer : signers) {
                bench.run(signer.trim(), batchSizes, perRun);
            }
        } finally {
            try (var files = Files.walk(data)) { // the hub's registry, broker state and keystores
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        // The embedded broker leaves non-daemon threads behind its close; the run is over.
        System.exit(0);
    }

    private static HubFixture inlineHub(Path data, TestCredential root) throws Exception {
        HubFixture hub = new HubFixture(data.resolve("hub"), EnrollmentSettings.defaults(), Clock.systemUTC());
        try {
            register(hub, data, root);
            return hub;
        } catch (Exception | Error e) {
            hub.close();
            throw e;
        }
    }

    /** Registers the bench's root CA (uploaded, then verified) and its gateway. */
    static void register(HubFixture hub, Path data, TestCredential root) throws Exception {
        Path cer = data.resolve("root.cer");
        PkiFiles.writeCertificates(cer, root.chain());
        HubFixture.Result upload = hub.admin("ca", "upload", cer.toString());
        Matcher m = CODE.matcher(upload.out());
        if (upload.exit() != 0 || !m.find()) {
            throw new IllegalStateException("ca upload: " + upload);
        }
        Path proof = data.resolve("proof.cer");
        PkiFiles.writeCertificates(proof, TestPki.verificationCertificate(root, m.group(1), Duration.ofDays(1)).chain());
        check(hub.admin("ca", "verify", "Bench-Root", proof.toString()), "ca verify");
        check(hub.admin("device", "add", GATEWAY, "--gateway", "--ca-chain"), "device add");
        hub.server.refreshTrust();
    }

    private static void check(HubFixture.Result r, String what) {
        if (r.exit() != 0) {
            throw new IllegalStateException(what + ": " + r);
        }
    }

    private void run(String signer, int[] batchSizes, int perRun) throws Exception {
        Provider provider;
        KeyPair pair;
        if (signer.equals("software")) {
            provider = Security.getProvider("SunEC");
            pair = generate(provider);
        } else {
            provider = pkcs11(signer);
            KeyStore store = KeyStore.getInstance("PKCS11", provider);
            store.load(null, System.getProperty("bench." + signer + ".pin").toCharArray());
            pair = generate(provider);
            if (pair.getPrivate().getEncoded() != null) {
                throw new IllegalStateException(signer + ": the token key is extractable; the benchmark would not measure the token");
            }
        }
        X509Certificate cert = issue(ca, GATEWAY, pair.getPublic());
        double rawRate = rawSignaturesPerSecond(provider, pair.getPrivate());
        try (EnrollingGateway gw = connect(tls(hubServerCa, pair.getPrivate(), cert))) {
            for (int batch : batchSizes) {
                // Batches of 1 are token-bound: fewer children keep the run short, same per-child figure.
                int total = batch == 1 ? Math.min(perRun, 200) : Math.max(batch, perRun);
                enrollAll(gw, provider, pair.getPrivate(), cert, batch, newChildren(total)); // warm-up
                List<double[]> reps = new ArrayList<>();
                for (int r = 0; r < repetitions; r++) {
                    reps.add(enrollAll(gw, provider, pair.getPrivate(), cert, batch, newChildren(total)));
                }
                System.out.printf(Locale.ROOT, "%-8s %6d %10d %12.0f %12.1f %12.0f %12.0f %12.0f %12.0f%n", signer, batch, total,
                        median(reps, 0), rawRate, median(reps, 1), median(reps, 2), median(reps, 3), median(reps, 4));
            }
        }
    }

    /**
     * {@code count} children the hub has never seen, issued by the bench's CA before the clock of a
     * run starts: a plant enrolls new devices, so every run pays the hub's full chain validation
     * (re-enrolling the same children would find their chains in the hub's validation cache).
     */
    private List<TestCredential> newChildren(int count) throws Exception {
        List<TestCredential> fresh = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fresh.add(TestPki.leaf(ca, String.format(Locale.ROOT, "child-%07d", childSerial++), TestPki.Kind.DEVICE, YEAR));
        }
        return fresh;
    }

    /**
     * @return {children/s, request µs per child, proof µs per child, the wait for the children's
     *         signatures µs per child, the children's signatures' own time µs per child}
     */
    private double[] enrollAll(EnrollingGateway gw, Provider provider, PrivateKey gatewayKey, X509Certificate gatewayCert,
            int batch, List<TestCredential> children) throws Exception {
        int total = children.size();
        long requestNanos = 0;
        long proofNanos = 0;
        long childNanos = 0;
        long childSumNanos = 0;
        long start = System.nanoTime();
        Signature token = Signature.getInstance(Signatures.ES256, provider);
        for (int from = 0; from < total; from += batch) {
            List<TestCredential> slice = children.subList(from, Math.min(total, from + batch));
            List<EnrollRequest.ChildRequest> requests = new ArrayList<>();
            for (TestCredential c : slice) {
                requests.add(new EnrollRequest.ChildRequest(c.commonName(), Mode.RELAY, List.of(c.certificate().getEncoded())));
            }
            long t0 = System.nanoTime();
            Challenges ch = Challenges.parse(gw.request(Wire.TOPIC_REQUEST, new EnrollRequest(requests).toJson()));
            long t1 = System.nanoTime();
            for (int i = 0; i < slice.size(); i++) {
                Challenges.Entry e = ch.entries().get(i);
                if (e.refused() != null) {
                    throw new IllegalStateException(slice.get(i).commonName() + " refused at the request: " + e.refused() + " "
                            + e.detail());
                }
            }
            byte[][] signatures = new byte[slice.size()][];
            childSumNanos += signAsDevices(slice, ch, signatures);
            BatchAssembler assembler = new BatchAssembler(HUB, GATEWAY);
            for (int i = 0; i < slice.size(); i++) {
                TestCredential c = slice.get(i);
                Challenges.Entry e = ch.entries().get(i);
                assembler.add(new SignedBytes.Binding(HUB, GATEWAY, e.nonce(), c.certificate().getEncoded()),
                        ProofBatch.ChildProof.signed(e.enrollment(), c.commonName(), Mode.RELAY, Signatures.ES256, signatures[i]));
            }
            long t2 = System.nanoTime();
            token.initSign(gatewayKey);
            token.update(assembler.statement());
            ProofBatch proof = assembler.assemble(Signatures.ES256, token.sign());
            long t3 = System.nanoTime();
            Results results = Results.parse(gw.request(Wire.TOPIC_PROOF, proof.toJson()));
            long t4 = System.nanoTime();
            for (Results.Entry r : results.entries()) {
                if (r.status() != Results.Status.ENROLLED) {
                    throw new IllegalStateException(r.child() + " not enrolled: " + r.reason() + " " + r.detail());
                }
            }
            requestNanos += t1 - t0;
            childNanos += t2 - t1;
            proofNanos += t4 - t3;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {total / seconds, requestNanos / 1e3 / total, proofNanos / 1e3 / total, childNanos / 1e3 / total,
            childSumNanos / 1e3 / total};
    }

    /**
     * Each child of the slice signs its challenge, the slice spread over the device threads.
     *
     * @return the sum of the time each device thread spent signing
     */
    private long signAsDevices(List<TestCredential> slice, Challenges ch, byte[][] signatures) throws Exception {
        int parts = Math.min(deviceThreads, slice.size());
        int size = (slice.size() + parts - 1) / parts;
        List<Future<Long>> running = new ArrayList<>();
        for (int from = 0; from < slice.size(); from += size) {
            int start = from;
            int end = Math.min(slice.size(), from + size);
            running.add(devices.submit(() -> {
                long t = System.nanoTime();
                Signature device = Signature.getInstance(Signatures.ES256, childProvider);
                for (int i = start; i < end; i++) {
                    TestCredential c = slice.get(i);
                    Challenges.Entry e = ch.entries().get(i);
                    device.initSign(c.key());
                    device.update(SignedBytes.childStatement(Mode.RELAY, HUB, GATEWAY, c.commonName(), e.enrollment(), e.nonce(),
                            c.certificate().getEncoded()));
                    signatures[i] = device.sign();
                }
                return System.nanoTime() - t;
            }));
        }
        long sum = 0;
        for (Future<Long> f : running) {
            sum += f.get();
        }
        return sum;
    }

    private static double median(List<double[]> reps, int column) {
        double[] v = reps.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The token's signatures per second on 32-byte messages: 3 rounds of 2 s, the median. */
    private static double rawSignaturesPerSecond(Provider provider, PrivateKey key) throws Exception {
        Signature s = Signature.getInstance(Signatures.ES256, provider);
        byte[] message = new byte[32];
        SecureRandom random = new SecureRandom();
        List<double[]> rounds = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            long end = System.nanoTime() + 2_000_000_000L;
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() < end) {
                random.nextBytes(message);
                s.initSign(key);
                s.update(message);
                s.sign();
                n++;
            }
            if (round > 0) { // the first round warms up
                rounds.add(new double[] {n / ((System.nanoTime() - start) / 1e9)});
            }
        }
        return median(rounds, 0);
    }

    private EnrollingGateway connect(SSLContext tls) throws Exception {
        long deadline = System.currentTimeMillis() + 45_000;
        while (true) {
            try {
                return EnrollingGateway.connect(hubPort, tls, GATEWAY);
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                if (!HubFixture.isTlsFailure(e) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    private static Provider pkcs11(String token) throws Exception {
        String library = System.getProperty("bench." + token + ".library");
        if (library == null || System.getProperty("bench." + token + ".pin") == null) {
            throw new IllegalStateException("set -Dbench." + token + ".library and -Dbench." + token
                    + ".pin (bench/enroll/run.sh does)");
        }
        // The identity bundle's template for generated keys (sensitive, not extractable);
        // tpm2-pkcs11 generates pairs only with both halves on the token.
        String attributes = String.join("\n", "attributes(generate, CKO_PRIVATE_KEY, *) = {", "  CKA_TOKEN = true",
                "  CKA_PRIVATE = true", "  CKA_SENSITIVE = true", "  CKA_EXTRACTABLE = false", "  CKA_SIGN = true", "}",
                "attributes(generate, CKO_PUBLIC_KEY, *) = {", "  CKA_TOKEN = " + token.equals("tpm"), "}");
        Path config = Files.createTempFile("enroll-bench-" + token, ".cfg");
        config.toFile().deleteOnExit();
        Files.writeString(config, "name = Enroll" + token + "\nlibrary = " + library + "\nslotListIndex = 0\n" + attributes + "\n");
        Provider provider = Security.getProvider("SunPKCS11").configure(config.toString());
        Security.addProvider(provider);
        return provider;
    }

    private static KeyPair generate(Provider provider) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", provider);
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A gateway certificate for a key that never leaves the token: the CA signs its public half. */
    private static X509Certificate issue(TestCredential issuer, String commonName, PublicKey key) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
                new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(YEAR)),
                new X500Name("CN=" + commonName + ",O=" + TestPki.TEST_ORGANISATION), key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
    }

    /** TLS with the gateway key wherever it is (JSSE signs the handshake through its provider). */
    private static SSLContext tls(Path serverCa, PrivateKey key, X509Certificate cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("hub-ca", PkiFiles.readCertificates(serverCa).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        X509Certificate[] chain = {cert};
        KeyManager km = new X509ExtendedKeyManager() {
            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return "gateway";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return "gateway";
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"gateway"};
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[0];
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain;
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(new KeyManager[] {km}, tmf.getTrustManagers(), null);
        return ssl;
    }
}
