package dev.palisade.protocol.enroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worked example of {@code docs/protocol.md} §10 is true: its values (a fixture written by
 * {@link ExampleGenerator}) verify with this library, and the doc shows exactly them.
 */
class ProtocolExampleTest {

    private static final Path DOC = Path.of("../docs/protocol.md");

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ProtocolExampleTest.class.getResourceAsStream("example/" + name)) {
            if (in == null) {
                throw new IOException("test fixture example/" + name + " is missing (run ExampleGenerator)");
            }
            return in.readAllBytes();
        }
    }

    private static String hex(String annotated) {
        return annotated.replaceAll("#[^\\n]*", "").replaceAll("\\s", "");
    }

    private static X509Certificate certificate(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    @Test
    void theExampleVerifies() throws Exception {
        EnrollRequest request = EnrollRequest.parse(fixture("1-enroll-request.json"));
        Challenges challenges = Challenges.parse(fixture("2-challenges.json"));
        ProofBatch batch = ProofBatch.parse(fixture("6-proof.json"));
        Results results = Results.parse(fixture("7-results.json"));
        PublicKey gatewayKey = certificate(Fields.decode(new String(fixture("gateway-certificate.b64"), StandardCharsets.US_ASCII),
                "gateway certificate", 1, 4096)).getPublicKey();

        assertTrue(ProofVerifier.gatewaySignatureValid(batch, gatewayKey), "the gateway's signature over the batch");
        for (int i = 0; i < 2; i++) {
            EnrollRequest.ChildRequest child = request.children().get(i);
            Challenges.Entry challenge = challenges.entries().get(i);
            assertEquals(child.child(), challenge.child());
            SignedBytes.Binding binding = new SignedBytes.Binding(challenges.hub(), challenges.gateway(), challenge.nonce(), child.leaf());
            assertEquals(Optional.empty(), ProofVerifier.check(batch, i, binding, child.mode(),
                    certificate(child.leaf()).getPublicKey()), child.child());
            assertEquals(Results.Status.ENROLLED, results.entries().get(i).status());
        }
        Challenges.Entry c0 = challenges.entries().get(0);
        byte[] leaf0 = request.children().get(0).leaf();
        assertEquals(hex(new String(fixture("3-child-statement.hex"), StandardCharsets.US_ASCII)), HexFormat.of().formatHex(
                SignedBytes.childStatement(Mode.RELAY, "hub-1", "gw-001", "pump-7", c0.enrollment(), c0.nonce(), leaf0)));
        assertEquals(hex(new String(fixture("4-proof-leaf-0.hex"), StandardCharsets.US_ASCII)), HexFormat.of().formatHex(
                SignedBytes.proofLeaf(new SignedBytes.Binding("hub-1", "gw-001", c0.nonce(), leaf0), batch.proofs().get(0))));
        assertEquals(hex(new String(fixture("5-batch-statement.hex"), StandardCharsets.US_ASCII)), HexFormat.of().formatHex(
                SignedBytes.batchStatement("hub-1", "gw-001", 2, batch.root())));
    }

    /** Each {@code <!-- example: NAME -->} in the doc is followed by a fenced block equal to the fixture. */
    @Test
    void theDocShowsExactlyTheExample() throws Exception {
        assertTrue(Files.isRegularFile(DOC), DOC.toAbsolutePath() + " is missing");
        String doc = Files.readString(DOC);
        Matcher m = Pattern.compile("<!-- example: ([\\w.-]+) -->\\s*```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        int found = 0;
        while (m.find()) {
            found++;
            String name = m.group(1);
            String shown = m.group(2);
            byte[] expected = fixture(name);
            if (name.endsWith(".json")) {
                // the doc indents JSON for reading; parsed by the real parser it must be the wire bytes
                byte[] wire = shown.replaceAll("\\n\\s*", "").getBytes(StandardCharsets.UTF_8);
                String type = ErrorAnswer.typeOf(wire);
                byte[] reserialized = switch (type) {
                    case EnrollRequest.TYPE -> EnrollRequest.parse(wire).toJson();
                    case Challenges.TYPE -> Challenges.parse(wire).toJson();
                    case ProofBatch.TYPE -> ProofBatch.parse(wire).toJson();
                    case Results.TYPE -> Results.parse(wire).toJson();
                    default -> throw new AssertionError(name + ": unexpected type " + type);
                };
                assertArrayEquals(expected, reserialized, name + " in the doc differs from the fixture");
            } else if (name.endsWith(".hex")) {
                assertEquals(hex(new String(expected, StandardCharsets.US_ASCII)), hex(shown), name);
            } else {
                assertEquals(new String(expected, StandardCharsets.US_ASCII).replaceAll("\\s", ""), shown.replaceAll("\\s", ""), name);
            }
        }
        assertEquals(8, found, "examples shown in " + DOC);
    }
}
