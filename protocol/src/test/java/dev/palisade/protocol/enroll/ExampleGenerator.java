package dev.palisade.protocol.enroll;

import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the worked example of {@code docs/protocol.md} §10 into the test fixture folder. Run by
 * hand when the protocol changes (the output is random: new keys, nonces, signatures), then paste
 * the files into the doc; {@link ProtocolExampleTest} checks that doc and fixture agree and that
 * every value verifies:
 *
 * <pre>
 * java -cp protocol/target/test-classes:protocol/target/classes:pki/target/classes:$BC \
 *   dev.palisade.protocol.enroll.ExampleGenerator protocol/src/test/resources/dev/palisade/protocol/enroll/example
 * </pre>
 */
public final class ExampleGenerator {

    static final String HUB = "hub-1";
    static final String GW = "gw-001";

    private ExampleGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        TestCredential root = TestPki.rootCa("Plant-Root", Duration.ofDays(3650));
        TestCredential gateway = TestPki.leaf(root, GW, TestPki.Kind.GATEWAY, Duration.ofDays(3650));
        TestCredential pump = TestPki.leaf(root, "pump-7", TestPki.Kind.DEVICE, Duration.ofDays(3650));
        TestCredential plc = TestPki.leaf(root, "plc-1", TestPki.Kind.DEVICE, Duration.ofDays(3650));

        EnrollRequest request = new EnrollRequest(List.of(
                new EnrollRequest.ChildRequest("pump-7", Mode.RELAY, List.of(pump.certificate().getEncoded())),
                new EnrollRequest.ChildRequest("plc-1", Mode.ATTEST, List.of(plc.certificate().getEncoded()))));
        ChallengeClock clock = new ChallengeClock(new SecureRandom(), ChallengeClock.DEFAULT_LIFETIME);
        Instant now = Instant.parse("2026-11-21T20:30:19.250Z");
        Challenges challenges = new Challenges(HUB, GW, List.of(
                Challenges.Entry.challenge("pump-7", clock.enrollmentId(), clock.nonce(), clock.expiry(now)),
                Challenges.Entry.challenge("plc-1", clock.enrollmentId(), clock.nonce(), clock.expiry(now))));

        Challenges.Entry c0 = challenges.entries().get(0);
        Challenges.Entry c1 = challenges.entries().get(1);
        byte[] statement = SignedBytes.childStatement(Mode.RELAY, HUB, GW, "pump-7", c0.enrollment(), c0.nonce(),
                pump.certificate().getEncoded());
        byte[] childSig = sign(pump, statement);
        SignedBytes.Binding b0 = new SignedBytes.Binding(HUB, GW, c0.nonce(), pump.certificate().getEncoded());
        SignedBytes.Binding b1 = new SignedBytes.Binding(HUB, GW, c1.nonce(), plc.certificate().getEncoded());
        ProofBatch.ChildProof p0 = ProofBatch.ChildProof.signed(c0.enrollment(), "pump-7", Mode.RELAY, Signatures.ES256, childSig);
        ProofBatch.ChildProof p1 = ProofBatch.ChildProof.attested(c1.enrollment(), "plc-1", new ProofBatch.Attestation(
                Instant.parse("2026-11-21T20:29:58.004Z"), "plant-a", "tls-exporter", new SecureRandom().generateSeed(32)));
        BatchAssembler assembler = new BatchAssembler(HUB, GW).add(b0, p0).add(b1, p1);
        byte[] batchStatement = assembler.statement();
        ProofBatch batch = assembler.assemble(Signatures.ES256, sign(gateway, batchStatement));
        Results results = new Results(List.of(Results.Entry.ok("pump-7", Results.Status.ENROLLED),
                Results.Entry.ok("plc-1", Results.Status.ENROLLED)));

        Files.write(out.resolve("gateway-certificate.b64"), Fields.encode(gateway.certificate().getEncoded()).getBytes(StandardCharsets.US_ASCII));
        Files.write(out.resolve("1-enroll-request.json"), request.toJson());
        Files.write(out.resolve("2-challenges.json"), challenges.toJson());
        write(out.resolve("3-child-statement.hex"), annotated(SignedBytes.CHILD_LABEL, List.of(
                f("mode", Mode.RELAY.toString()), f("hub", HUB), f("gateway", GW), f("child", "pump-7"),
                b("enrollment", c0.enrollment()), b("nonce", c0.nonce()),
                b("SHA-256(leaf)", SignedBytes.sha256(pump.certificate().getEncoded())))));
        write(out.resolve("4-proof-leaf-0.hex"), HexFormat.of().formatHex(SignedBytes.proofLeaf(b0, batch.proofs().get(0))));
        write(out.resolve("5-batch-statement.hex"), annotated(SignedBytes.BATCH_LABEL, List.of(
                f("hub", HUB), f("gateway", GW), new String[] {HexFormat.of().formatHex(new byte[] {0, 0, 0, 2}), "count = 2"},
                b("root", batch.root()))));
        Files.write(out.resolve("6-proof.json"), batch.toJson());
        Files.write(out.resolve("7-results.json"), results.toJson());
    }

    private static byte[] sign(TestCredential who, byte[] data) throws Exception {
        Signature s = Signature.getInstance(Signatures.ES256);
        s.initSign(who.key());
        s.update(data);
        return s.sign();
    }

    private static String[] f(String name, String value) {
        return b(name + " \"" + value + "\"", value.getBytes(StandardCharsets.UTF_8));
    }

    private static String[] b(String name, byte[] value) {
        return new String[] {HexFormat.of().formatHex(new byte[] {(byte) (value.length >>> 24), (byte) (value.length >>> 16),
                (byte) (value.length >>> 8), (byte) value.length}) + " " + HexFormat.of().formatHex(value), name};
    }

    /** One field a line: length, bytes, then "# what" (the test strips comments and spaces). */
    private static String annotated(String label, List<String[]> fields) {
        List<String[]> all = new ArrayList<>();
        all.add(b("label \"" + label + "\"", label.getBytes(StandardCharsets.UTF_8)));
        all.addAll(fields);
        StringBuilder s = new StringBuilder();
        for (String[] line : all) {
            s.append(line[0]).append("  # ").append(line[1]).append('\n');
        }
        return s.toString();
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
