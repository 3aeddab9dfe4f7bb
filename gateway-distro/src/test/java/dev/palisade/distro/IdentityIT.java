package dev.palisade.distro;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.IdentityAdmin;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.inject.Inject;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.felix.service.command.CommandProcessor;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The gateway identity on a real SoftHSM2 token in the booted distribution, provisioned the way
 * an operator does it: the PKCS#11 backend configured through ConfigAdmin, then
 * {@code palisade:identity init / csr / install / show} at the shell (and {@code show} over the
 * admin channel), then the identity is UP in {@code palisade:status}, and the registered
 * {@link GatewayIdentity} makes a mutual-TLS handshake with BCJSSE inside the framework.
 *
 * <p>The token is fresh for every run: the host side of {@link #configuration()} deletes the
 * previous one and initialises a new token with random PINs before the framework boots (SoftHSM2
 * reads {@code SOFTHSM2_CONF}, set by Failsafe, once per JVM). A missing SoftHSM2 fails the test.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class IdentityIT {

    private static final String LABEL = "palisade-it";

    @Inject
    private BundleContext context;

    @Inject
    private CommandProcessor commands;

    /** Host side: a fresh token, then the distribution with the token's library and PIN file named. */
    @Configuration
    public Option[] configuration() throws Exception {
        Path base = TestDirectories.shortTempDirectory("palisade-identity-it");
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new AssertionError("SOFTHSM2_CONF is not set: run the ITs with Maven (mvn verify), whose Failsafe sets it");
        }
        Path directory = Path.of(conf).getParent();
        deleteTree(directory);
        Path tokens = Files.createDirectories(directory.resolve("tokens"));
        Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = randomDigits(8);
        run("softhsm2-util", "--init-token", "--free", "--label", LABEL, "--so-pin", randomDigits(10), "--pin", pin);
        Path pinFile = base.resolve("token.pin");
        Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(pinFile, pin + "\n");
        return options(DistroOptions.distribution(base),
                systemProperty("palisade.it.softhsm.library").value(softHsmLibrary()),
                systemProperty("palisade.it.pin.file").value(pinFile.toString()));
    }

    @Test
    public void aTokenConfiguredThroughConfigAdminIsProvisionedAtTheShellAndTheIdentityIsUp() throws Exception {
        Path data = Path.of(context.getProperty("palisade.data"));

        // Before configuration: the command explains what is missing.
        String unconfigured = executeExpectingFailure("palisade:identity show");
        assertTrue(unconfigured, unconfigured.contains("no keystore is configured"));

        InFramework.configure(context, System.getProperty("palisade.it.softhsm.library"),
                System.getProperty("palisade.it.pin.file"));
        assertTrue("IdentityAdmin registered once the PKCS#11 configuration arrived",
                waitFor(Duration.ofSeconds(30), () -> context.getServiceReference(IdentityAdmin.class) != null));
        assertTrue("the token opened", waitFor(Duration.ofSeconds(30),
                () -> status().matches("(?s).*identity\\s+DOWN\\s+no gateway key yet.*")));

        String init = GatewayChecks.execute(commands, "palisade:identity init --alias gw-it");
        assertTrue(init, init.startsWith("generated a key on the keystore:"));
        assertTrue(init, init.contains("not extractable (sensitive, stays on the token)"));

        Path csr = data.resolve("gw.csr");
        String wrote = GatewayChecks.execute(commands, "palisade:identity csr --subject CN=gw-it-01,O=Palisade"
                + " --san dns:gw-it-01.local --out " + csr);
        assertTrue(wrote, wrote.startsWith("wrote the certificate request to " + csr));

        InFramework.Ca ca = new InFramework.Ca();
        X509Certificate leaf = ca.issue(Files.readString(csr));
        Path chain = Files.writeString(data.resolve("chain.pem"), InFramework.pem(leaf) + InFramework.pem(ca.intermediate));
        Path root = Files.writeString(data.resolve("root.pem"), InFramework.pem(ca.root));
        String installed = GatewayChecks.execute(commands, "palisade:identity install " + chain + " --root " + root);
        assertTrue(installed, installed.startsWith("installed the chain:"));

        String show = GatewayChecks.execute(commands, "palisade:identity show");
        assertTrue(show, show.contains("issued chain installed"));
        assertTrue(show, show.contains("CN=gw-it-01"));
        assertTrue(show, show.contains("PKCS11 " + System.getProperty("palisade.it.softhsm.library")));
        assertTrue(show, show.contains("not extractable"));

        AdminChannelClient.Answer remote = AdminChannelClient.send(data.resolve("run/admin.sock"), List.of("identity", "show"));
        assertEquals(remote.err(), 0, remote.exitCode());
        assertTrue(remote.out(), remote.out().contains("CN=gw-it-01"));

        String status = status();
        assertTrue(status, status.matches("(?s).*identity\\s+UP\\s+CN=gw-it-01,O=Palisade, \\d+ days left.*"));

        ServiceReference<GatewayIdentity> reference = context.getServiceReference(GatewayIdentity.class);
        assertNotNull("GatewayIdentity registered once the chain is installed", reference);
        GatewayIdentity identity = context.getService(reference);
        try {
            assertEquals("gw-it-01", identity.gatewayId());
            X509Certificate seen = InFramework.handshake(identity, ca);
            assertEquals("the server saw the token's certificate over BCJSSE TLS 1.3", leaf, seen);
        } finally {
            context.ungetService(reference);
        }
    }

    private String status() {
        try {
            return GatewayChecks.execute(commands, "palisade:status");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String executeExpectingFailure(String line) {
        try {
            return "unexpectedly succeeded: " + GatewayChecks.execute(commands, line);
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    private static boolean waitFor(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return condition.getAsBoolean();
    }

    private static String softHsmLibrary() throws IOException {
        List<Path> found = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/usr/lib64", "/usr/local/lib")) {
            if (Files.isDirectory(Path.of(root))) {
                try (Stream<Path> files = Files.find(Path.of(root), 3, (p, a) -> p.getFileName().toString().equals("libsofthsm2.so"))) {
                    files.forEach(found::add);
                }
            }
        }
        if (found.isEmpty()) {
            throw new AssertionError("libsofthsm2.so not found: install the Debian package softhsm2 (./palisade test does)");
        }
        return found.stream().sorted().findFirst().orElseThrow().toString();
    }

    private static void run(String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(command[0] + " is not installed: IdentityIT needs a real SoftHSM2 token."
                    + " Install the Debian package softhsm2 (./palisade test does)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command[0], command[1]) + " failed: " + output);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> old = Files.walk(directory)) {
                for (Path path : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static String randomDigits(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < length; i++) {
            digits.append(random.nextInt(10));
        }
        return digits.toString();
    }

    /**
     * Code that uses ConfigAdmin and Bouncy Castle, which only the framework has (they are not on
     * the test runner's class path); a nested class so that the runner, which reflects on
     * {@link IdentityIT}'s own methods, never loads it.
     */
    static final class InFramework {

        private InFramework() {
        }

        static void configure(BundleContext context, String library, String pinFile) throws IOException {
            ServiceReference<ConfigurationAdmin> reference = context.getServiceReference(ConfigurationAdmin.class);
            ConfigurationAdmin admin = context.getService(reference);
            try {
                Dictionary<String, Object> properties = new Hashtable<>();
                properties.put("library", library);
                properties.put("slot.label", LABEL);
                properties.put("pin.file", pinFile);
                properties.put("alias", "gw-it");
                admin.getConfiguration("dev.palisade.identity.pkcs11", "?").update(properties);
            } finally {
                context.ungetService(reference);
            }
        }

        static String pem(X509Certificate certificate) {
            try {
                return "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A software root and issuing CA, standing in for the operator's PKI. */
        static final class Ca {
            final KeyPair rootKey = ecKey();
            final X509Certificate root;
            final KeyPair intermediateKey = ecKey();
            final X509Certificate intermediate;

            Ca() throws Exception {
                root = certificate(new X500Name("CN=IdentityIT Root"), rootKey.getPublic(), new X500Name("CN=IdentityIT Root"),
                        rootKey, true, null, null);
                intermediate = certificate(new X500Name("CN=IdentityIT Devices"), intermediateKey.getPublic(),
                        new X500Name("CN=IdentityIT Root"), rootKey, true, null, null);
            }

            X509Certificate issue(String csrPem) throws Exception {
                PKCS10CertificationRequest csr;
                try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
                    csr = (PKCS10CertificationRequest) parser.readObject();
                }
                return certificate(csr.getSubject(), new JcaPKCS10CertificationRequest(csr).getPublicKey(),
                        new X500Name("CN=IdentityIT Devices"), intermediateKey, false, KeyPurposeId.id_kp_clientAuth, null);
            }

            X509Certificate server(PublicKey key) throws Exception {
                return certificate(new X500Name("CN=localhost"), key, new X500Name("CN=IdentityIT Devices"), intermediateKey,
                        false, KeyPurposeId.id_kp_serverAuth, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.dNSName, "localhost"),
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }

            private static X509Certificate certificate(X500Name subject, PublicKey key, X500Name issuer, KeyPair issuerKey,
                    boolean ca, KeyPurposeId purpose, GeneralNames names) throws Exception {
                Instant now = Instant.now();
                JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                        new BigInteger(64, new SecureRandom()), Date.from(now.minusSeconds(60)),
                        Date.from(now.plus(Duration.ofDays(365))), subject, key);
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
                if (purpose != null) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                }
                if (names != null) {
                    builder.addExtension(Extension.subjectAlternativeName, false, names);
                }
                return new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
            }
        }

        static KeyPair ecKey() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                return generator.generateKeyPair();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Mutual TLS 1.3 from the identity's BCJSSE context to a SunJSSE server on 127.0.0.1 that
         * requires a client certificate from the CA, hostname verification on.
         *
         * @return the client certificate the server validated
         */
        static X509Certificate handshake(GatewayIdentity identity, Ca ca) throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root", ca.root);
            TrustManagerFactory trustFactory = TrustManagerFactory.getInstance("PKIX");
            trustFactory.init(trust);
            KeyPair serverKey = ecKey();
            KeyStore serverStore = KeyStore.getInstance("PKCS12");
            serverStore.load(null, null);
            serverStore.setKeyEntry("server", serverKey.getPrivate(), new char[0],
                    new Certificate[] {ca.server(serverKey.getPublic()), ca.intermediate});
            KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
            keys.init(serverStore, new char[0]);
            SSLContext serverContext = SSLContext.getInstance("TLS");
            serverContext.init(keys.getKeyManagers(), trustFactory.getTrustManagers(), null);

            SSLContext client = identity.sslContext(trustFactory.getTrustManagers(), GatewayIdentity.BCJSSE);
            try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                    .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                server.setNeedClientAuth(true);
                CompletableFuture<Certificate> seen = CompletableFuture.supplyAsync(() -> {
                    try (SSLSocket accepted = (SSLSocket) server.accept()) {
                        accepted.setSoTimeout(30_000);
                        accepted.getOutputStream().write(accepted.getInputStream().read());
                        accepted.getOutputStream().flush();
                        return accepted.getSession().getPeerCertificates()[0];
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                plain.setSoTimeout(30_000);
                try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, "localhost",
                        server.getLocalPort(), true)) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    parameters.setProtocols(new String[] {"TLSv1.3"});
                    socket.setSSLParameters(parameters);
                    socket.getOutputStream().write(7);
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() != 7) {
                        throw new AssertionError("the server did not echo");
                    }
                }
                return (X509Certificate) seen.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
