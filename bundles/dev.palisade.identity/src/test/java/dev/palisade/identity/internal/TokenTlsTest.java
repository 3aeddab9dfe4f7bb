package dev.palisade.identity.internal;

import dev.palisade.testkit.TypedConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.GatewayIdentity;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
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
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mutual TLS with the gateway key on SoftHSM2, against a JSSE server in this JVM on 127.0.0.1
 * that requires a client certificate and validates its chain to the test CA: every key type the
 * identity offers, with BCJSSE (the upstream link's default) and SunJSSE, TLS 1.3 and 1.2,
 * hostname verification on. The key is non-extractable, so a completed handshake proves the
 * CertificateVerify signature was made on the token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenTlsTest {

    private final SoftHsmToken token = SoftHsmToken.get();
    private final Map<KeyType, Gateway> gateways = new EnumMap<>(KeyType.class);

    @TempDir
    Path dir;

    /** One provisioned identity per key type, shared by the handshakes of that type. */
    private record Gateway(Pkcs11IdentityComponent component, RecordingPublisher publisher, TestCa ca,
            X509Certificate leaf, TrustManagerFactory trust) {
    }

    @AfterAll
    void stopGateways() throws InterruptedException {
        for (Gateway gateway : gateways.values()) {
            gateway.component().stop();
        }
    }

    private Gateway gateway(KeyType type) throws Exception {
        Gateway existing = gateways.get(type);
        if (existing != null) {
            return existing;
        }
        RecordingPublisher publisher = new RecordingPublisher();
        String alias = "tls-" + type + "-" + System.nanoTime();
        Map<String, Object> values = new HashMap<>();
        values.put("library", token.library.toString());
        values.put("alias", alias);
        values.put("pin_file", SoftHsmToken.pinFile(dir, token.pin).toString());
        Pkcs11IdentityComponent component = new Pkcs11IdentityComponent(
                TypedConfigs.of(Pkcs11IdentityComponent.Config.class, values), dir, dir.resolve("state-" + type), n -> null,
                publisher);
        component.opened().get(60, TimeUnit.SECONDS);
        component.init(alias, type);
        TestCa ca = new TestCa("Tls " + System.nanoTime());
        X509Certificate leaf = ca.issue(component.csr(new CsrRequest(new X500Principal("CN=gw-tls"), List.of())),
                Duration.ofDays(30));
        component.install(List.of(leaf, ca.intermediate), ca.root);
        assertNull(component.currentKey().key().getEncoded(), "the client key cannot leave the token");
        Gateway gateway = new Gateway(component, publisher, ca, leaf, trustOnly(ca.root));
        gateways.put(type, gateway);
        return gateway;
    }

    @ParameterizedTest(name = "{0} key, {1}, {2}")
    @CsvSource({
        "EC_P256, BCJSSE, TLSv1.3", "EC_P256, BCJSSE, TLSv1.2", "EC_P256, SunJSSE, TLSv1.3", "EC_P256, SunJSSE, TLSv1.2",
        "EC_P384, BCJSSE, TLSv1.3", "EC_P384, BCJSSE, TLSv1.2", "EC_P384, SunJSSE, TLSv1.3", "EC_P384, SunJSSE, TLSv1.2",
        "RSA_2048, BCJSSE, TLSv1.3", "RSA_2048, BCJSSE, TLSv1.2", "RSA_2048, SunJSSE, TLSv1.3", "RSA_2048, SunJSSE, TLSv1.2"})
    void mutualTlsWithTheTokenKey(KeyType type, String jsse, String protocol) throws Exception {
        Gateway gateway = gateway(type);
        SSLContext client = gateway.publisher().identity.sslContext(gateway.trust().getTrustManagers(), jsse);
        assertEquals(jsse, client.getProvider().getName());
        try (SSLServerSocket server = server(gateway.ca(), gateway.trust())) {
            CompletableFuture<Certificate[]> seen = accept(server);
            try (SSLSocket socket = connect(client, server, protocol)) {
                socket.getOutputStream().write(42);
                socket.getOutputStream().flush();
                assertEquals(42, socket.getInputStream().read(), "the server accepted the client certificate");
                assertEquals(protocol, socket.getSession().getProtocol());
            }
            Certificate[] chain = seen.get(30, TimeUnit.SECONDS);
            assertEquals(gateway.leaf(), chain[0], "the server saw the gateway's certificate");
            assertEquals(gateway.ca().intermediate, chain[1], "and its intermediate");
        }
    }

    /** The server really checks the client's chain: one that trusts another CA refuses the gateway. */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"BCJSSE, TLSv1.3", "BCJSSE, TLSv1.2", "SunJSSE, TLSv1.3", "SunJSSE, TLSv1.2"})
    void aServerThatDoesNotTrustTheGatewayRefusesIt(String jsse, String protocol) throws Exception {
        Gateway gateway = gateway(KeyType.EC_P256);
        TestCa other = new TestCa("Other " + System.nanoTime());
        // The client trusts the server (issued by the gateway's CA); the server trusts only the other CA.
        SSLContext client = gateway.publisher().identity.sslContext(gateway.trust().getTrustManagers(), jsse);
        try (SSLServerSocket server = server(gateway.ca(), trustOnly(other.root))) {
            CompletableFuture<Certificate[]> seen = accept(server);
            try (SSLSocket socket = connect(client, server, protocol)) {
                // TLS 1.3: the client finishes its flight before the server's verdict arrives, so the refusal
                // shows on the first read; TLS 1.2: already in the handshake.
                assertThrows(IOException.class, () -> {
                    socket.getOutputStream().write(42);
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                });
            }
            ExecutionException refused = assertThrows(ExecutionException.class, () -> seen.get(30, TimeUnit.SECONDS));
            assertTrue(String.valueOf(refused.getCause()).contains("PKIX path"),
                    () -> "the server refused the chain as untrusted: " + refused.getCause());
        }
    }

    /**
     * The same against OpenSSL, which the hub's broker (Mosquitto) uses: {@code openssl s_server}
     * on 127.0.0.1 requiring a client certificate that verifies to the test root
     * ({@code -Verify 2 -verify_return_error}), one protocol only, echoing a line reversed.
     */
    @ParameterizedTest(name = "{0} key, {1}, {2} against OpenSSL")
    @CsvSource({"EC_P256, BCJSSE, TLSv1.3", "EC_P256, BCJSSE, TLSv1.2", "EC_P256, SunJSSE, TLSv1.3",
        "EC_P256, SunJSSE, TLSv1.2", "RSA_2048, BCJSSE, TLSv1.3", "RSA_2048, SunJSSE, TLSv1.3"})
    void mutualTlsAgainstOpenSsl(KeyType type, String jsse, String protocol) throws Exception {
        Gateway gateway = gateway(type);
        KeyPair serverKey = TestCa.ecKey();
        Path files = Files.createDirectories(dir.resolve("openssl-" + System.nanoTime()));
        Files.writeString(files.resolve("server.pem"), pem("CERTIFICATE", serverCertificate(gateway.ca(), serverKey).getEncoded()));
        Files.writeString(files.resolve("server.key"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        Files.writeString(files.resolve("chain.pem"), pem("CERTIFICATE", gateway.ca().intermediate.getEncoded()));
        Files.writeString(files.resolve("root.pem"), pem("CERTIFICATE", gateway.ca().root.getEncoded()));
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-naccept", "1", "-rev",
                    "-cert", "server.pem", "-key", "server.key", "-cert_chain", "chain.pem", "-CAfile", "root.pem",
                    "-Verify", "2", "-verify_return_error", protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2")
                    .directory(files.toFile()).redirectErrorStream(true).redirectOutput(files.resolve("server.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("openssl is not installed (Debian package openssl)", e);
        }
        try {
            waitForListener(port, openssl, files.resolve("server.log"));
            SSLContext client = gateway.publisher().identity.sslContext(gateway.trust().getTrustManagers(), jsse);
            Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
            plain.setSoTimeout(30_000);
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost", port, true)) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                parameters.setProtocols(new String[] {protocol});
                socket.setSSLParameters(parameters);
                socket.getOutputStream().write("gateway\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                byte[] answer = new byte[7];
                new java.io.DataInputStream(socket.getInputStream()).readFully(answer);
                assertEquals("yawetag", new String(answer, java.nio.charset.StandardCharsets.US_ASCII),
                        "OpenSSL accepted the client certificate and echoed");
                assertEquals(protocol, socket.getSession().getProtocol());
            }
            assertTrue(openssl.waitFor(30, TimeUnit.SECONDS), "s_server ends after one connection");
            String log = Files.readString(files.resolve("server.log"));
            assertTrue(log.contains("CN = gw-tls") && log.contains("verify return:1"),
                    () -> "OpenSSL verified the gateway's chain:\n" + log);
        } finally {
            openssl.destroy();
        }
    }

    private static void waitForListener(int port, Process server, Path log) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (!server.isAlive()) {
                throw new AssertionError("openssl s_server exited: " + Files.readString(log));
            }
            if (Files.readString(log).contains("ACCEPT")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("openssl s_server did not listen on " + port + ": " + Files.readString(log));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Test
    void sslContextRefusesAnUnknownProviderAndMissingTrust() throws Exception {
        Gateway gateway = gateway(KeyType.EC_P256);
        TrustManager[] trust = gateway.trust().getTrustManagers();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> gateway.publisher().identity.sslContext(trust, "BC"));
        assertTrue(unknown.getMessage().contains("unknown JSSE provider 'BC'"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gateway.publisher().identity.sslContext(new TrustManager[0],
                GatewayIdentity.BCJSSE));
        assertThrows(IllegalArgumentException.class, () -> gateway.publisher().identity.sslContext(null,
                GatewayIdentity.SUNJSSE));
    }

    static TrustManagerFactory trustOnly(X509Certificate root) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", root);
        TrustManagerFactory trustFactory = TrustManagerFactory.getInstance("PKIX");
        trustFactory.init(trust);
        return trustFactory;
    }

    static SSLServerSocket server(TestCa ca, TrustManagerFactory trust) throws Exception {
        SSLServerSocket server = (SSLServerSocket) serverContext(ca, trust).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        return server;
    }

    /** Echoes one byte and returns the client chain the server validated. */
    static CompletableFuture<Certificate[]> accept(SSLServerSocket server) {
        return CompletableFuture.supplyAsync(() -> {
            try (SSLSocket accepted = (SSLSocket) server.accept()) {
                accepted.setSoTimeout(30_000);
                accepted.getOutputStream().write(accepted.getInputStream().read());
                accepted.getOutputStream().flush();
                return accepted.getSession().getPeerCertificates();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Connects to 127.0.0.1 under the name "localhost", with hostname verification on. */
    static SSLSocket connect(SSLContext client, SSLServerSocket server, String protocol) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        plain.setSoTimeout(30_000);
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost", server.getLocalPort(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        return socket;
    }

    /** SunJSSE server with a certificate for localhost and 127.0.0.1 from the test CA, trusting that CA. */
    private static SSLContext serverContext(TestCa ca, TrustManagerFactory trust) throws Exception {
        KeyPair key = TestCa.ecKey();
        X509Certificate certificate = serverCertificate(ca, key);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", key.getPrivate(), new char[0], new Certificate[] {certificate, ca.intermediate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    /** A server certificate for localhost and 127.0.0.1 from the test CA's intermediate. */
    private static X509Certificate serverCertificate(TestCa ca, KeyPair key) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                new X500Name(ca.intermediate.getSubjectX500Principal().getName()), new BigInteger(64, new SecureRandom()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"),
                key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.intermediateKey.getPrivate())));
    }
}
