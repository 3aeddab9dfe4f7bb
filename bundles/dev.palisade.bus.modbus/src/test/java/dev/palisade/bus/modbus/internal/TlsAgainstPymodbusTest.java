package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceException;
import dev.palisade.api.bus.DeviceState;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RejectedCertificateException;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modbus/TCP Security against pymodbus' TLS server (socket framer, client certificate
 * required): the gateway presents its certificate through a {@link GatewayIdentity} key manager
 * and verifies the device through a {@link TrustService} trust manager with the identity rule;
 * the role in the gateway's certificate limits the function codes it sends.
 *
 * <p>The identity and trust services here are small stand-ins built on the JDK (a PKCS#12 key
 * manager; PKIX plus a subject-CN identity rule): the real ones live in other bundles and are
 * exercised together in the distribution's tests. The TLS peer is real.
 */
class TlsAgainstPymodbusTest {

    @TempDir
    Path dir;

    @Test
    void mutualTlsWithTheTrustDomainTheIdentityRuleAndTheRole() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.ca("ca", "Plant Modbus CA");
        pki.ca("rogue", "Rogue CA");
        pki.leaf("device", "plc-tls-1", "ca", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1");
        pki.leaf("gateway", "gw-1", "ca", "extendedKeyUsage=clientAuth\n1.3.6.1.4.1.50316.802.1=ASN1:UTF8String:Viewer");
        pki.pkcs12("gateway", "ca");
        PkixTrust trust = new PkixTrust(read(pki.file("ca.crt")));
        GatewayIdentity identity = new P12Identity(pki.file("gateway.p12"));
        assertEquals(Optional.of("Viewer"), RoleExtension.role(identity.chain().get(0)));

        ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
        try (ModbusSimulator sim = ModbusSimulator.tls(dir, pki.file("device.crt"), pki.file("device.key"), pki.file("ca.crt"))) {
            // The right device: accepted, its identity recorded, readings flow, writes refused by the Viewer role.
            Fixtures.Sink sink = new Fixtures.Sink();
            ModbusDevice device = tlsDevice(settings("plc-tls-1", sim.port, "plc-tls-1"), identity, trust, scheduler, sink);
            try {
                Fixtures.await("online over TLS", 20, () -> Fixtures.in(device, DeviceState.ONLINE));
                assertEquals(0x12345678L, sink.lastValues().get("v"));
                PeerIdentity peer = device.identity().orElseThrow();
                assertEquals("plc-tls-1", peer.identity());
                assertEquals("plant", peer.trustDomain());
                assertEquals(32, peer.sessionBinding().length, "pymodbus' TLS 1.3 session has an exporter binding");
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> device.write("sp", 5L).toCompletableFuture().get(5, TimeUnit.SECONDS));
                DeviceException d = assertInstanceOf(DeviceException.class, e.getCause());
                assertEquals(DeviceException.Reason.NOT_WRITABLE, d.reason());
                assertTrue(d.getMessage().contains("role 'Viewer'"), d.getMessage());

                // Denied while connected: the open connection is cut within about a second, the device
                // REFUSED with the reason code and without the identity it proved; lifted, it comes back.
                trust.denied.add("plc-tls-1");
                Fixtures.await("refused while connected", 20, () -> Fixtures.in(device, DeviceState.REFUSED));
                assertTrue(device.status().reason().startsWith("DENIED: "), device.status().reason());
                assertTrue(device.identity().isEmpty(), "a refused device keeps no proven identity");
                trust.denied.clear();
                Fixtures.await("online again", 20, () -> Fixtures.in(device, DeviceState.ONLINE));
                assertEquals("plc-tls-1", device.identity().orElseThrow().identity());
            } finally {
                device.stop();
            }

            // The same device under an identity it does not have: refused with the trust service's reason.
            Fixtures.Sink refusedSink = new Fixtures.Sink();
            ModbusDevice impostor = tlsDevice(settings("plc-other", sim.port, "plc-other"), identity, trust, scheduler, refusedSink);
            try {
                Fixtures.await("refused", 20, () -> Fixtures.in(impostor, DeviceState.REFUSED));
                // The reason code first, then the trust service's message (which does not repeat the code).
                assertTrue(impostor.status().reason().startsWith("IDENTITY_MISMATCH: certificate 0 names 'plc-tls-1'")
                        && impostor.status().reason().contains("plc-tls-1"), impostor.status().reason());
                assertTrue(refusedSink.readings.isEmpty());
            } finally {
                impostor.stop();
            }
        }
        // A device whose certificate chains to a CA the domain does not trust.
        pki.leaf("rogue-device", "plc-tls-1", "rogue", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1");
        try (ModbusSimulator sim = ModbusSimulator.tls(dir, pki.file("rogue-device.crt"), pki.file("rogue-device.key"),
                pki.file("ca.crt"))) {
            Fixtures.Sink sink = new Fixtures.Sink();
            ModbusDevice rogue = tlsDevice(settings("plc-tls-1", sim.port, "plc-tls-1"), identity, trust, scheduler, sink);
            try {
                Fixtures.await("refused", 20, () -> Fixtures.in(rogue, DeviceState.REFUSED));
                assertTrue(rogue.status().reason().startsWith("NO_PATH: "), rogue.status().reason());
            } finally {
                rogue.stop();
            }
        } finally {
            scheduler.shutdownNow();
        }
    }

    private static DeviceSettings settings(String id, int port, String expected) {
        Map<String, Object> map = new HashMap<>(Fixtures.tcp(id, port, "v holding 0 int32; sp holding 600 int16 writable"));
        map.put("transport", "tls");
        map.put("trust.domain", "plant");
        map.put("tls.identity", expected);
        map.put("timeout.ms", 2000L);
        map.put("backoff.max.ms", 1000L);
        return Fixtures.settings(map);
    }

    /** As ModbusBus wires a tls device. */
    private static ModbusDevice tlsDevice(DeviceSettings s, GatewayIdentity identity, TrustService trust,
            ScheduledThreadPoolExecutor scheduler, DeviceSink sink) {
        ModbusDevice[] holder = new ModbusDevice[1];
        Consumer<PeerIdentity> accepted = peer -> {
            holder[0].identified(peer);
            String role = RoleExtension.role(identity.chain().get(0)).orElseThrow();
            Set<Integer> allowed = s.roleFunctions().get(role);
            holder[0].restrictFunctions(allowed, "the gateway's role '" + role + "' allows functions " + allowed);
        };
        TcpTransport transport = new TcpTransport(s.id(), s.host(), s.port(),
                new TlsConnector(() -> identity, () -> trust, s.trustDomain(), s.tlsIdentity(), accepted),
                s.connectTimeoutMillis(), s.timeout().toMillis(), 1, scheduler);
        holder[0] = new ModbusDevice(s, transport, scheduler, sink, Clock.systemUTC());
        holder[0].start();
        return holder[0];
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** A PKCS#12 key as the gateway identity. */
    static final class P12Identity implements GatewayIdentity {
        private final X509ExtendedKeyManager keyManager;
        private final List<X509Certificate> chain;

        P12Identity(Path p12) throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                store.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(store, "changeit".toCharArray());
            keyManager = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            chain = Arrays.stream(store.getCertificateChain("gateway")).map(c -> (X509Certificate) c).toList();
        }

        @Override
        public String gatewayId() {
            return "gw-1";
        }

        @Override
        public List<X509Certificate> chain() {
            return chain;
        }

        @Override
        public IdentityInfo info() {
            throw new UnsupportedOperationException("not used by the Modbus bus");
        }

        @Override
        public X509ExtendedKeyManager keyManager() {
            return keyManager;
        }

        @Override
        public javax.net.ssl.SSLContext sslContext(javax.net.ssl.TrustManager[] trustManagers, String jsseProvider) {
            throw new UnsupportedOperationException("not used by the Modbus bus: it signs through keyManager()");
        }
    }

    /** One domain "plant": PKIX to one anchor, identity = subject CN. */
    static final class PkixTrust implements TrustService {
        private final X509TrustManager pkix;
        /** Subject CNs on this stand-in's deny-list. */
        final Set<String> denied = java.util.concurrent.ConcurrentHashMap.newKeySet();

        PkixTrust(X509Certificate anchor) throws Exception {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("anchor", anchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(anchors);
            pkix = (X509TrustManager) tmf.getTrustManagers()[0];
        }

        @Override
        public Verdict verify(TrustRequest request) {
            try {
                CertificateFactory factory = CertificateFactory.getInstance("X.509");
                X509Certificate[] chain = new X509Certificate[request.chain().size()];
                for (int i = 0; i < chain.length; i++) {
                    chain[i] = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(request.chain().get(i)));
                }
                return verify(request.domain(), chain, request.expectedIdentity());
            } catch (CertificateException e) {
                return Verdict.reject(RejectReason.MALFORMED, 0, e.getMessage());
            }
        }

        private Verdict verify(String domain, X509Certificate[] chain, String expected) {
            if (!domain.equals("plant")) {
                return Verdict.reject(RejectReason.UNKNOWN_DOMAIN, -1, "unknown domain " + domain);
            }
            try {
                pkix.checkServerTrusted(chain, "ECDHE_ECDSA");
            } catch (CertificateException e) {
                return Verdict.reject(RejectReason.NO_PATH, 0, e.getMessage());
            }
            String cn = chain[0].getSubjectX500Principal().getName().replaceFirst("^CN=", "");
            if (denied.contains(cn)) {
                return Verdict.reject(RejectReason.DENIED, 0, "certificate 0 (CN=" + cn + ") is on the deny-list");
            }
            if (expected != null && !expected.equals(cn)) {
                return Verdict.reject(RejectReason.IDENTITY_MISMATCH, 0, "certificate 0 names '" + cn
                        + "', expected '" + expected + "'");
            }
            return Verdict.accept(cn, "trusted in domain plant as '" + cn + "'");
        }

        @Override
        public X509ExtendedTrustManager trustManager(String domain, String expectedIdentity) {
            return new X509ExtendedTrustManager() {
                private void check(X509Certificate[] chain) throws CertificateException {
                    Verdict verdict = verify(domain, chain, expectedIdentity);
                    if (!verdict.accepted()) {
                        throw new RejectedCertificateException(verdict);
                    }
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                    check(chain);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                    check(chain);
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    check(chain);
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                    check(chain);
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                    check(chain);
                }

                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                    check(chain);
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return pkix.getAcceptedIssuers();
                }
            };
        }

        @Override
        public List<TrustDomainInfo> domains() {
            return List.of();
        }

        @Override
        public Optional<TrustDomainInfo> domain(String name) {
            return Optional.empty();
        }
    }
}
