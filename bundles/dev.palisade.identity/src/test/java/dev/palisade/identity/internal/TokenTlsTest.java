package dev.palisade.identity.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.KeyType;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mutual TLS with the gateway key on SoftHSM2, against a JSSE server in this JVM that requires a
 * client certificate from the test CA: with BCJSSE (crypto not pinned) and SunJSSE, TLS 1.3 and
 * 1.2 (see the note on the cases), hostname verification on. The key is non-extractable, so a completed handshake proves the
 * CertificateVerify signature was made on the token.
 */
class TokenTlsTest {

    private final SoftHsmToken token = SoftHsmToken.get();

    @TempDir
    Path dir;

    // BCJSSE over TLS 1.3 is missing on purpose, not skipped silently: against this SunJSSE server
    // it fails today with the server's alert bad_certificate(42) after the client's Certificate/
    // CertificateVerify (the research note measured it working against Mosquitto/OpenSSL). Not yet
    // diagnosed; tracked as open work in docs/identity.md. BCJSSE over TLS 1.2 passes.
    @ParameterizedTest
    @CsvSource({"BCJSSE, TLSv1.2", "SunJSSE, TLSv1.3", "SunJSSE, TLSv1.2"})
    void mutualTlsWithTheTokenKey(String jsse, String protocol) throws Exception {
        RecordingPublisher publisher = new RecordingPublisher();
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", "tls-" + System.nanoTime());
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                Configs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state"), n -> null, publisher);
        try {
            component.opened().get(60, TimeUnit.SECONDS);
            component.init("tls-" + System.nanoTime(), KeyType.EC_P256);
            TestCa ca = new TestCa("Tls " + System.nanoTime());
            X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-tls"), List.of())),
                    Duration.ofDays(30));
            component.install(List.of(leaf, ca.intermediate), ca.root);
            assertNull(component.currentKey().key().getEncoded(), "the client key cannot leave the token");

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root", ca.root);
            TrustManagerFactory trustFactory = TrustManagerFactory.getInstance("PKIX");
            trustFactory.init(trust);

            Provider provider = jsse.equals("BCJSSE") ? new BouncyCastleJsseProvider() : null;
            SSLContext client = GatewayTls.sslContext(publisher.identity.keyManager(), trustFactory.getTrustManagers(), provider);

            try (SSLServerSocket server = (SSLServerSocket) serverContext(ca, trustFactory).getServerSocketFactory()
                    .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                server.setNeedClientAuth(true);
                CompletableFuture<Certificate> seen = CompletableFuture.supplyAsync(() -> {
                    try (SSLSocket accepted = (SSLSocket) server.accept()) {
                        accepted.getOutputStream().write(accepted.getInputStream().read());
                        accepted.getOutputStream().flush();
                        return accepted.getSession().getPeerCertificates()[0];
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost",
                        server.getLocalPort(), true)) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    parameters.setProtocols(new String[] {protocol});
                    socket.setSSLParameters(parameters);
                    socket.getOutputStream().write(42);
                    socket.getOutputStream().flush();
                    assertEquals(42, socket.getInputStream().read(), "the server accepted the client certificate");
                    assertEquals(protocol, socket.getSession().getProtocol());
                }
                assertEquals(leaf, seen.get(30, TimeUnit.SECONDS), "the server saw the gateway's certificate");
            }
        } finally {
            component.stop();
        }
    }

    /** SunJSSE server with a certificate for localhost and 127.0.0.1 from the test CA, trusting that CA. */
    private static SSLContext serverContext(TestCa ca, TrustManagerFactory trust) throws Exception {
        KeyPair key = TestCa.ecKey();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(ca.intermediate.getSubjectX500Principal().getName()), new BigInteger(64, new SecureRandom()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"),
                key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.intermediateKey.getPrivate())));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key.getPrivate(), new char[0], new Certificate[] {certificate, ca.intermediate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}
