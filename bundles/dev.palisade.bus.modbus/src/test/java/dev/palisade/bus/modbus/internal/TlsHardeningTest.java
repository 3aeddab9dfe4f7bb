package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.X509ExtendedTrustManager;

import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;

/** The Modbus/TCP Security client fails closed and bounds its handshake. */
class TlsHardeningTest {

    @TempDir
    Path dir;

    private GatewayIdentity identity;
    private TlsAgainstPymodbusTest.PkixTrust trust;
    private Path deviceP12;

    private void pki() throws Exception {
        TlsTestPlant plant = TlsTestPlant.issue(dir);
        identity = plant.identity();
        trust = plant.trust();
        deviceP12 = plant.deviceP12();
    }

    @Test
    void openSessionsCloseWhenTheTrustServiceStaysAwayLongerThanTheGrace() throws Exception {
        pki();
        AtomicReference<TrustService> current = new AtomicReference<>(trust);
        AtomicLong nanos = new AtomicLong(1_000);
        try (BcTlsDevice device = new BcTlsDevice(deviceP12, ProtocolVersion.TLSv13)) {
            TlsConnector connector = new TlsConnector(() -> identity, current::get, "plant", "plc-tls-1", peer -> { },
                    Duration.ofHours(23), nanos::get);
            try (Socket socket = connector.connect("127.0.0.1", device.port(), 5_000)) {
                current.set(null); // the trust bundle is being updated
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
                assertNull(connector.refusal(socket), "within the grace: the session runs on");
                nanos.addAndGet(TlsConnector.TRUST_ABSENT_GRACE.plusSeconds(1).toNanos());
                String refusal = connector.refusal(socket);
                assertNotNull(refusal, "past the grace the session must close (fail closed), not run unchecked");
                assertTrue(refusal.contains("trust service has been unavailable"), refusal);
                current.set(trust);
                nanos.addAndGet(Duration.ofSeconds(2).toNanos());
                assertNull(connector.refusal(socket), "back: verified again");
            }
        }
    }

    @Test
    void aTrustServiceThatThrowsAfterTheHandshakeDoesNotLeakTheConnection() throws Exception {
        pki();
        TrustService throwing = new TrustService() {
            @Override
            public Verdict verify(TrustRequest request) {
                throw new IllegalStateException("trust store is being reloaded");
            }

            @Override
            public X509ExtendedTrustManager trustManager(String domain, String expectedIdentity) {
                return trust.trustManager(domain, expectedIdentity);
            }

            @Override
            public List<TrustDomainInfo> domains() {
                return trust.domains();
            }

            @Override
            public Optional<TrustDomainInfo> domain(String name) {
                return trust.domain(name);
            }
        };
        try (BcTlsDevice device = new BcTlsDevice(deviceP12, ProtocolVersion.TLSv13)) {
            TlsConnector failing = new TlsConnector(() -> identity, () -> throwing, "plant", "plc-tls-1", peer -> { });
            IOException e = assertThrows(IOException.class, () -> failing.connect("127.0.0.1", device.port(), 5_000));
            assertTrue(e.getMessage().contains("fail closed"), e.getMessage());
            // The device serves one connection at a time: it takes the next only once the gateway closed the first.
            TlsConnector good = new TlsConnector(() -> identity, () -> trust, "plant", "plc-tls-1", peer -> { });
            try (Socket socket = good.connect("127.0.0.1", device.port(), 3_000)) {
                assertNotNull(socket);
            } catch (IOException leaked) {
                throw new AssertionError("the first connection was left open (the device is still serving it)", leaked);
            }
        }
    }

    @Test
    void aPeerTricklingItsHandshakeIsCutAtTheHandshakeTimeout() throws Exception {
        pki();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread trickler = new Thread(() -> {
                try (Socket s = server.accept()) {
                    OutputStream out = s.getOutputStream();
                    byte[] header = {0x16, 0x03, 0x03, 0x00, 0x40}; // a handshake record of 64 bytes, one byte at a time
                    for (int i = 0; i < 5 + 64; i++) {
                        out.write(i < 5 ? header[i] : 0);
                        out.flush();
                        Thread.sleep(300);
                    }
                } catch (IOException | InterruptedException ended) {
                    // the gateway hung up, as it should
                }
            }, "trickler");
            trickler.setDaemon(true);
            trickler.start();
            TlsConnector connector = new TlsConnector(() -> identity, () -> trust, "plant", "plc-tls-1", peer -> { });
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> connector.connect("127.0.0.1", server.getLocalPort(), 1_000));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMillis < 5_000, "the handshake was allowed " + tookMillis + " ms against a 1,000 ms timeout: " + e);
        }
    }

    @Test
    void aP521KeySignsWithSha512AsTls13Requires() {
        assertEquals(HashAlgorithm.sha512, GatewayTlsClient.ecdsaHash(521));
        assertEquals(HashAlgorithm.sha384, GatewayTlsClient.ecdsaHash(384));
        assertEquals(HashAlgorithm.sha256, GatewayTlsClient.ecdsaHash(256));
    }

    @Test
    void onlyAeadSuitesAreOffered() {
        for (int suite : GatewayTlsClient.CIPHER_SUITES) {
            String name = org.bouncycastle.tls.CipherSuite.class.getFields().length > 0 ? nameOf(suite) : "";
            assertTrue(name.contains("GCM") || name.contains("CHACHA20_POLY1305"), name);
            assertTrue(name.startsWith("TLS_AES") || name.startsWith("TLS_CHACHA20") || name.startsWith("TLS_ECDHE_"), name);
        }
    }

    private static String nameOf(int suite) {
        for (java.lang.reflect.Field f : org.bouncycastle.tls.CipherSuite.class.getFields()) {
            try {
                if (f.getType() == int.class && f.getInt(null) == suite) {
                    return f.getName();
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        return "unknown suite " + suite;
    }
}
