package dev.palisade.trust.internal;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code palisade verify} as the field engineer runs it: options, files, exit codes, output, batch. */
class VerifyCliTest {

    private static final TestPki.Issued ROOT = root("Cli Root").issue();
    private static final TestPki.Issued ISSUING = intermediate("Cli Issuing CA", ROOT).issue();
    private static final TestPki.Issued DEVICE;
    private static final TestPki.Issued SERVER;
    private static final TestPki.Issued STRANGER = leaf("stranger", root("Other Root").issue()).issue();

    static {
        TestPki.Spec device = leaf("device-7", ISSUING);
        device.sans.add(TestPki.dns("device-7.plant-a.example"));
        device.sans.add(new GeneralName(GeneralName.iPAddress, "10.0.0.7"));
        device.sans.add(new GeneralName(GeneralName.rfc822Name, "ops@Plant-A.example"));
        DEVICE = device.issue();
        TestPki.Spec server = leaf("plc-3", ISSUING);
        server.eku.clear();
        server.eku.add(KeyPurposeId.id_kp_serverAuth);
        server.sans.add(TestPki.dns("*.plcs.plant-a.example"));
        server.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyAgreement;
        SERVER = server.issue();
    }

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);

    /** What one run printed and how it exited. */
    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyCli.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                dir.resolve("etc"), clock);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String file(String name, TestPki.Issued... certs) {
        return TrustFiles.certificates(dir.resolve(name), certs).toString();
    }

    private static String pem(TestPki.Issued... certs) {
        byte[][] der = new byte[certs.length][];
        for (int i = 0; i < certs.length; i++) {
            der[i] = certs[i].der();
        }
        return TrustFiles.pem("CERTIFICATE", der);
    }

    @Test
    void acceptsAndNamesIdentityAndAnchor() {
        Run run = run("", "--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE),
                "--untrusted", file("chain.pem", ISSUING));
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().startsWith("accepted: trusted in domain (command line) as 'device-7' through 2 issuer(s) to anchor CN=Cli Root,O=Test\n"),
                run.toString());
        assertTrue(run.out().contains("identity: device-7\n"), run.toString());
        assertEquals("", run.err());
    }

    @Test
    void rejectionExitsOneWithCertificateAndRuleOnStderr() {
        Run noPath = run("", "--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE));
        assertEquals(1, noPath.code(), noPath.toString());
        assertTrue(noPath.err().startsWith("rejected (NO_PATH): certificate 0 (CN=device-7,O=Test): no issuer found"),
                noPath.toString());
        assertEquals("", noPath.out());

        Run expired = run("", "--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE),
                "--untrusted", file("chain.pem", ISSUING), "--time", String.valueOf(TestPki.NOW.plus(Duration.ofDays(400)).getEpochSecond()));
        assertEquals(1, expired.code(), expired.toString());
        assertTrue(expired.err().startsWith("rejected (EXPIRED): certificate 2 (CN=Cli Root,O=Test): expired at"), expired.toString());

        Run server = run("", "--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE),
                "--untrusted", file("chain.pem", ISSUING), "--purpose", "server");
        assertEquals(1, server.code(), server.toString());
        assertTrue(server.err().contains("(EXTENDED_KEY_USAGE): certificate 0 (CN=device-7,O=Test): extendedKeyUsage lacks"
                + " 1.3.6.1.5.5.7.3.1"), server.toString());

        Run depth = run("", "--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE),
                "--untrusted", file("chain.pem", ISSUING), "--max-depth", "2");
        assertEquals(1, depth.code(), depth.toString());
        assertTrue(depth.err().startsWith("rejected (DEPTH):"), depth.toString());
    }

    @Test
    void ekuAndKeyUsageOptions() {
        String[] base = {"--trust", file("root.pem", ROOT), "--leaf", file("server.pem", SERVER), "--untrusted",
            file("chain.pem", ISSUING)};
        assertEquals(1, run("", base).code(), "a server certificate is not a client by default");
        assertEquals(0, run("", concat(base, "--purpose", "server")).code());
        assertEquals(0, run("", concat(base, "--eku", "serverAuth")).code());
        assertEquals(0, run("", concat(base, "--eku", "1.3.6.1.5.5.7.3.1")).code());
        Run eku = run("", concat(base, "--purpose", "server", "--eku", "serverAuth,1.3.6.1.5.5.7.3.4"));
        assertTrue(eku.code() == 1 && eku.err().contains("extendedKeyUsage lacks 1.3.6.1.5.5.7.3.4"), eku.toString());
        assertEquals(0, run("", concat(base, "--purpose", "server", "--key-usage", "digitalSignature,keyAgreement")).code());
        Run usage = run("", concat(base, "--purpose", "server", "--key-usage", "keyEncipherment"));
        assertEquals(1, usage.code(), usage.toString());
        assertTrue(usage.err().startsWith("rejected (KEY_USAGE): certificate 0 (CN=plc-3,O=Test): keyUsage lacks keyEncipherment"),
                usage.toString());
        Run badUsage = run("", concat(base, "--key-usage", "signEverything"));
        assertEquals(2, badUsage.code(), badUsage.toString());
        assertTrue(badUsage.err().contains("--key-usage 'signEverything' is not one of"), badUsage.toString());
    }

    @Test
    void namesMatchTheSubjectAltNameOnly() {
        String[] base = {"--trust", file("root.pem", ROOT), "--leaf", file("leaf.pem", DEVICE), "--untrusted",
            file("chain.pem", ISSUING)};
        assertEquals(0, run("", concat(base, "--name", "dns:DEVICE-7.plant-a.example", "--name", "ip:10.0.0.7",
                "--name", "email:ops@plant-a.example")).code());
        Run wrongDns = run("", concat(base, "--name", "dns:device-8.plant-a.example"));
        assertEquals(1, wrongDns.code(), wrongDns.toString());
        assertTrue(wrongDns.err().startsWith("rejected (IDENTITY_MISMATCH): certificate 0 (CN=device-7,O=Test): subjectAltName"
                + " does not match dns:device-8.plant-a.example (it has dns:device-7.plant-a.example)"), wrongDns.toString());
        assertEquals(1, run("", concat(base, "--name", "dns:device-7")).code(), "the CN is not a host name");
        assertEquals(1, run("", concat(base, "--name", "ip:10.0.0.8")).code());
        assertEquals(1, run("", concat(base, "--name", "email:OPS@plant-a.example")).code(), "the local part is case-sensitive");
        Run bad = run("", concat(base, "--name", "ip:10.0.0.300"));
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--name 'ip:10.0.0.300': not an IPv4 or IPv6 address"), bad.toString());
        assertEquals(2, run("", concat(base, "--name", "host:x")).code());

        String[] server = {"--trust", file("root.pem", ROOT), "--leaf", file("server.pem", SERVER), "--untrusted",
            file("chain.pem", ISSUING), "--purpose", "server"};
        assertEquals(0, run("", concat(server, "--name", "dns:plc-3.plcs.plant-a.example")).code());
        assertEquals(1, run("", concat(server, "--name", "dns:a.plc-3.plcs.plant-a.example")).code(), "one label only");
        assertEquals(1, run("", concat(server, "--name", "dns:plcs.plant-a.example")).code(), "not the bare domain");
        assertTrue(LeafRequirements.dnsMatches("*.example.com", "a.example.com"));
        assertTrue(!LeafRequirements.dnsMatches("*.com", "example.com"), "*.com matches nothing");
    }

    @Test
    void revocationFromCrlFile() {
        TestPki.Spec spec = leaf("device-9", ISSUING);
        spec.serial = BigInteger.valueOf(909);
        TestPki.Issued revoked = spec.issue();
        String crls = TrustFiles.write(dir.resolve("crls.pem"), TrustFiles.pem("X509 CRL",
                TestPki.crl(ISSUING, TestPki.NOW.minus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(6)), BigInteger.valueOf(909)),
                TestPki.crl(ROOT, TestPki.NOW.minus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(6))))).toString();
        String[] base = {"--trust", file("root.pem", ROOT), "--untrusted", file("chain.pem", ISSUING), "--crls", crls};
        assertEquals(0, run("", concat(base, "--leaf", file("leaf.pem", DEVICE))).code());
        Run run = run("", concat(base, "--leaf", file("revoked.pem", revoked)));
        assertEquals(1, run.code(), run.toString());
        assertTrue(run.err().startsWith("rejected (REVOKED): certificate 0 (CN=device-9,O=Test): revoked at"), run.toString());
        Run stale = run("", concat(base, "--leaf", file("leaf.pem", DEVICE), "--time",
                String.valueOf(TestPki.NOW.plus(Duration.ofDays(8)).getEpochSecond())));
        assertTrue(stale.code() == 1 && stale.err().startsWith("rejected (REVOCATION_UNKNOWN)"), stale.toString());
    }

    @Test
    void couldNotEvaluateExitsTwoAndSaysWhatAndWhere() throws Exception {
        String root = file("root.pem", ROOT);
        String leaf = file("leaf.pem", DEVICE);
        Run missing = run("", "--trust", root, "--leaf", dir.resolve("nope.pem").toString());
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains(dir.resolve("nope.pem") + ": file not found"), missing.toString());

        Path garbage = TrustFiles.write(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n");
        Run badBase64 = run("", "--trust", root, "--leaf", garbage.toString());
        assertTrue(badBase64.code() == 2 && badBase64.err().contains(garbage + ": PEM block 1 is not valid base64"),
                badBase64.toString());

        Path notDer = TrustFiles.write(dir.resolve("notder.pem"), TrustFiles.pem("CERTIFICATE", DEVICE.der(), new byte[] {0x30, 0x03, 1, 2, 3}));
        Run malformed = run("", "--trust", root, "--leaf", notDer.toString());
        assertTrue(malformed.code() == 2 && malformed.err().contains(notDer + ": leaf certificate 2 is malformed"), malformed.toString());

        Path text = TrustFiles.write(dir.resolve("text.pem"), "hello\n");
        Run noBlock = run("", "--trust", text.toString(), "--leaf", leaf);
        assertTrue(noBlock.code() == 2 && noBlock.err().contains(text + ": no '-----BEGIN CERTIFICATE-----' block"), noBlock.toString());

        for (String[] args : List.of(new String[] {"--leaf", leaf}, new String[] {"--trust", root},
                new String[] {"--trust", root, "--leaf", leaf, "--frob"}, new String[] {"--trust", root, "--leaf"},
                new String[] {"--trust", root, "--leaf", leaf, "--time", "yesterday"},
                new String[] {"--trust", root, "--leaf", leaf, "--purpose", "both"},
                new String[] {"--trust", root, "--leaf", leaf, "--max-depth", "9"},
                new String[] {"--trust", root, "--leaf", leaf, "--eku", "anything"},
                new String[] {"--trust", root, "--leaf", leaf, "--eku", " , "}, new String[] {"stray"})) {
            Run bad = run("", args);
            assertEquals(2, bad.code(), String.join(" ", args) + "\n" + bad);
            assertTrue(bad.err().startsWith("palisade verify: could not evaluate: "), bad.toString());
            assertEquals("", bad.out());
        }
    }

    @Test
    void domainFromEtcWithItsDenyList() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        TrustFiles.certificates(Files.createDirectories(etc.resolve("trust")).resolve("root.pem"), ROOT);
        TrustFiles.certificates(etc.resolve("trust/issuing.pem"), ISSUING);
        TrustFiles.write(etc.resolve("dev.palisade.trust.domain-a.cfg"), "name = plant-a\nanchors = trust/root.pem\n"
                + "intermediates = trust/issuing.pem\nidentity.rule = san-dns\nmax.depth = 3\n");
        String leaf = file("leaf.pem", DEVICE);
        Run run = run("", "--domain", "plant-a", "--leaf", leaf);
        assertEquals(0, run.code(), run.toString());
        assertTrue(run.out().startsWith("accepted: trusted in domain plant-a as 'device-7.plant-a.example'"), run.toString());
        assertEquals(1, run("", "--domain", "plant-a", "--leaf", leaf, "--max-depth", "2").code());
        assertEquals(1, run("", "--domain", "plant-a", "--leaf", leaf, "--trust", file("other.pem", root("Other").issue())).code());

        TrustFiles.write(etc.resolve("dev.palisade.trust.denylist.cfg"), "fingerprints = " + Text.hex(Cert.sha256(DEVICE.der())) + "\n");
        Run denied = run("", "--domain", "plant-a", "--leaf", leaf);
        assertEquals(1, denied.code(), denied.toString());
        assertTrue(denied.err().startsWith("rejected (DENIED): certificate 0"), denied.toString());

        Run unknown = run("", "--domain", "plant-b", "--leaf", leaf);
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("no trust domain 'plant-b' in " + etc + " (files dev.palisade.trust.domain-*.cfg;"
                + " configured: plant-a)"), unknown.toString());

        TrustFiles.write(etc.resolve("dev.palisade.trust.domain-b.cfg"), "name = broken\nanchors = trust/missing.pem\n");
        Run down = run("", "--domain", "broken", "--leaf", leaf);
        assertEquals(2, down.code(), down.toString());
        assertTrue(down.err().contains("trust domain 'broken' is down") && down.err().contains("missing.pem: file not found"),
                down.toString());
        TrustFiles.write(etc.resolve("dev.palisade.trust.domain-c.cfg"), "name = typo\nanchors = trust/root.pem\nmax.depth = three\n");
        Run typo = run("", "--domain", "typo", "--leaf", leaf);
        assertTrue(typo.code() == 2 && typo.err().contains("domain-c.cfg: 'max.depth' is not a number: 'three'"), typo.toString());
    }

    @Test
    void domainUsesTheCrlsTheGatewayFetched() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        TrustFiles.certificates(etc.resolve("root.pem"), ROOT);
        TrustFiles.write(etc.resolve("dev.palisade.trust.domain-a.cfg"), "name = plant-a\nanchors = root.pem\n"
                + "revocation = crl-fail-closed\n");
        String leaf = file("leaf.pem", DEVICE);
        String chain = file("chain.pem", ISSUING);
        Path data = dir.resolve("data");
        Run none = runWithData(data, "--domain", "plant-a", "--leaf", leaf, "--untrusted", chain);
        assertEquals(1, none.code(), none.toString());
        assertTrue(none.err().contains("(REVOCATION_UNKNOWN)"), none.toString());

        Path crls = Files.createDirectories(data.resolve("trust/crls"));
        Files.write(crls.resolve("a.crl"), TestPki.crl(ISSUING, TestPki.NOW.minus(Duration.ofDays(1)),
                TestPki.NOW.plus(Duration.ofDays(6)), DEVICE_SERIAL_NOT_REVOKED));
        Files.writeString(crls.resolve("a.url"), "http://pki.example/issuing.crl\n");
        Files.write(crls.resolve("b.crl"), TestPki.crl(ROOT, TestPki.NOW.minus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(6))));
        Files.write(crls.resolve("c.crl"), new byte[] {1, 2, 3});
        Run fetched = runWithData(data, "--domain", "plant-a", "--leaf", leaf, "--untrusted", chain);
        assertEquals(0, fetched.code(), fetched.toString());

        // A CRL kept by the gateway but signed by someone else decides nothing.
        TestPki.Issued impostor = new TestPki.Issued(ROOT.der(), TestPki.ec("secp256r1"), ROOT.subject(), ROOT.ski());
        Files.write(crls.resolve("b.crl"), TestPki.crl(impostor, TestPki.NOW.minus(Duration.ofDays(1)), TestPki.NOW.plus(Duration.ofDays(6))));
        Run forged = runWithData(data, "--domain", "plant-a", "--leaf", leaf, "--untrusted", chain);
        assertEquals(1, forged.code(), forged.toString());
        assertTrue(forged.err().contains("signature that does not verify"), forged.toString());
    }

    private static final BigInteger DEVICE_SERIAL_NOT_REVOKED = BigInteger.valueOf(999_999);

    private Run runWithData(Path data, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyCli.run(List.of(args), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                dir.resolve("etc"), data, clock);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void batchAnswersEveryLineInOrderAndSkipsMalformedOnes() throws Exception {
        String root = file("root.pem", ROOT);
        String good = Json.write(Map.of("id", "good", "leaf", pem(DEVICE), "untrusted", pem(ISSUING)));
        String stranger = Json.write(Map.of("id", 2, "leaf", pem(STRANGER)));
        String server = "{\"id\":3,\"leaf\":" + Json.write(pem(SERVER)) + ",\"untrusted\":" + Json.write(pem(ISSUING))
                + ",\"purpose\":\"server\",\"name\":[\"dns:x.plcs.plant-a.example\"],\"key-usage\":[\"keyAgreement\"]}";
        String input = String.join("\n", good, "{not json", stranger, "", "[1,2]",
                "{\"id\":6,\"leaf\":\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"}",
                "{\"id\":7,\"leaf\":" + Json.write(pem(DEVICE)) + ",\"colour\":\"red\"}", server,
                "{\"id\":9,\"leaf\":" + Json.write(pem(DEVICE)) + ",\"time\":\"soon\"}", "x".repeat(VerifyCli.MAX_LINE_CHARS + 5), good) + "\r\n";
        Run run = run(input, "--batch", "--trust", root);
        String[] lines = run.out().split("\n");
        assertEquals(10, lines.length, run.toString());
        assertTrue(lines[0].startsWith("{\"id\":\"good\",\"verdict\":\"accept\",\"reason\":\"trusted in domain"), lines[0]);
        assertTrue(lines[0].endsWith("\"code\":null,\"identity\":\"device-7\"}"), lines[0]);
        assertTrue(lines[1].startsWith("{\"id\":null,\"verdict\":\"skip\",\"reason\":\"line 2: not JSON: "), lines[1]);
        assertTrue(lines[2].startsWith("{\"id\":2,\"verdict\":\"reject\",\"reason\":\"certificate 0 (CN=stranger,O=Test): no issuer"),
                lines[2]);
        assertTrue(lines[2].contains("\"code\":\"NO_PATH\""), lines[2]);
        assertTrue(lines[3].startsWith("{\"id\":null,\"verdict\":\"skip\",\"reason\":\"line 5: not a JSON object\""), lines[3]);
        assertTrue(lines[4].startsWith("{\"id\":6,\"verdict\":\"skip\",\"reason\":\"line 6: member 'leaf': leaf certificate 1 is malformed"),
                lines[4]);
        assertTrue(lines[5].startsWith("{\"id\":7,\"verdict\":\"skip\",\"reason\":\"line 7: unknown member 'colour'"), lines[5]);
        assertTrue(lines[6].startsWith("{\"id\":3,\"verdict\":\"accept\""), lines[6]);
        assertTrue(lines[7].startsWith("{\"id\":9,\"verdict\":\"skip\",\"reason\":\"line 9: time 'soon' is not whole seconds"), lines[7]);
        assertTrue(lines[8].startsWith("{\"id\":null,\"verdict\":\"skip\",\"reason\":\"line 10: longer than"), lines[8]);
        assertTrue(lines[9].startsWith("{\"id\":\"good\",\"verdict\":\"accept\""), lines[9]);
        assertEquals(2, run.code(), "a skipped line makes the batch exit 2");
        assertEquals("", run.err());

        assertEquals(0, run(good + "\n" + good, "--batch", "--trust", root).code());
        assertEquals(1, run(good + "\n" + stranger + "\n", "--batch", "--trust", root).code());
    }

    @Test
    void batchFlushesEachAnswerBeforeReadingTheNextLine() throws Exception {
        String root = file("root.pem", ROOT);
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed, 1 << 20);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        // A large buffer in front: only an explicit flush makes an answer visible.
        OutputStream buffered = new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (seen) {
                    seen.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (seen) {
                    seen.write(b, off, len);
                }
            }
        }, 1 << 20);
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> VerifyCli.run(List.of("--batch", "--trust", root),
                stdin, new PrintStream(buffered, false, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
                null, clock));
        List<String> answers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            feed.write((Json.write(Map.of("id", i, "leaf", pem(DEVICE), "untrusted", pem(ISSUING))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            feed.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String text;
            do {
                Thread.sleep(5);
                synchronized (seen) {
                    text = seen.toString(StandardCharsets.UTF_8);
                }
            } while (text.split("\n").length < i || !text.endsWith("\n") && System.nanoTime() < deadline);
            answers = List.of(text.split("\n"));
            assertEquals(i, answers.size(), "answer " + i + " is out while stdin is still open: " + text);
            assertTrue(answers.get(i - 1).startsWith("{\"id\":" + i + ",\"verdict\":\"accept\""), text);
        }
        feed.close();
        assertEquals(0, code.get(30, TimeUnit.SECONDS));
    }

    private static String[] concat(String[] base, String... more) {
        String[] out = new String[base.length + more.length];
        System.arraycopy(base, 0, out, 0, base.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }
}
