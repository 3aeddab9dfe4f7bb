package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.identity.GatewayIdentity;

/**
 * A session whose handshake got old is replaced by a new one (a fresh verification, which attest
 * enrollment needs: the hub refuses attestations of handshakes older than its limit), without
 * failing the requests that wait.
 */
class StaleSessionTest {

    @TempDir
    Path dir;

    @Test
    void aStaleConnectionIsReplacedBeforeTheNextRequestAndNothingFails() throws Exception {
        try (ModbusSimulator sim = ModbusSimulator.stdlib(dir)) {
            AtomicInteger connects = new AtomicInteger();
            AtomicBoolean staleNow = new AtomicBoolean();
            Connector connector = new Connector() {
                @Override
                public Socket connect(String host, int port, int timeoutMillis) throws IOException {
                    connects.incrementAndGet();
                    return PLAIN.connect(host, port, timeoutMillis);
                }

                @Override
                public boolean stale(Socket socket) {
                    return staleNow.getAndSet(false);
                }
            };
            ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
            TcpTransport transport = new TcpTransport("stale", "127.0.0.1", sim.port, connector, 3000, 3000, 1, scheduler);
            try {
                byte[] read = Pdu.read(RegisterKind.HOLDING, 0, 1);
                transport.request(1, read).get(10, TimeUnit.SECONDS);
                assertEquals(1, connects.get());
                staleNow.set(true);
                transport.request(1, read).get(10, TimeUnit.SECONDS);
                assertEquals(2, connects.get(), "a stale session is replaced by a new connection");
                transport.request(1, read).get(10, TimeUnit.SECONDS);
                assertEquals(2, connects.get(), "a fresh one is kept");
            } finally {
                transport.close();
                scheduler.shutdownNow();
            }
        }
    }

    @Test
    void aTlsSessionIsStaleOnceItsHandshakeIsOlderThanTheReverifyAge() throws Exception {
        TlsTestPlant plant = TlsTestPlant.issue(dir);
        GatewayIdentity identity = plant.identity();
        TlsAgainstPymodbusTest.PkixTrust trust = plant.trust();
        AtomicLong nanos = new AtomicLong(1_000);
        try (BcTlsDevice device = new BcTlsDevice(plant.deviceP12(), ProtocolVersion.TLSv13)) {
            TlsConnector connector = new TlsConnector(() -> identity, () -> trust, "plant", "plc-tls-1", peer -> { },
                    Duration.ofHours(23), nanos::get);
            try (Socket socket = connector.connect("127.0.0.1", device.port(), 5_000)) {
                assertFalse(connector.stale(socket));
                nanos.addAndGet(Duration.ofHours(23).toNanos());
                assertFalse(connector.stale(socket), "exactly the age: still fresh");
                nanos.addAndGet(1);
                assertTrue(connector.stale(socket), "older than the age: stale");
            }
        }
    }
}
