package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceState;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile TCP peers scripted byte by byte (pymodbus cannot misbehave on demand): garbage
 * headers, wrong transaction ids, truncated frames, a peer that hangs. The device must report
 * it, keep polling and recover when the peer behaves again.
 */
class FaultyPeerTest {

    interface Behaviour {
        /** Answers one request (header + PDU already read); returns false to close the connection. */
        boolean answer(int request, byte[] header, byte[] pdu, OutputStream out) throws IOException;
    }

    private final ScheduledThreadPoolExecutor scheduler = Fixtures.scheduler();
    private final Fixtures.Sink sink = new Fixtures.Sink();
    private ServerSocket server;
    private ModbusDevice device;
    private Thread acceptor;

    @AfterEach
    void stop() throws IOException {
        if (device != null) {
            device.stop();
        }
        scheduler.shutdownNow();
        server.close();
        acceptor.interrupt();
    }

    private void peer(Behaviour behaviour) throws IOException {
        server = new ServerSocket(0);
        AtomicInteger count = new AtomicInteger();
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    while (true) {
                        byte[] header = new byte[7];
                        in.readFully(header);
                        byte[] pdu = new byte[(((header[4] & 0xFF) << 8) | (header[5] & 0xFF)) - 1];
                        in.readFully(pdu);
                        if (!behaviour.answer(count.incrementAndGet(), header, pdu, socket.getOutputStream())) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // next connection
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A correct answer to a read of one holding register: the value 42. */
    static byte[] good(byte[] header, int transaction) {
        return new byte[] {(byte) (transaction >> 8), (byte) transaction, 0, 0, 0, 5, header[6], 3, 2, 0, 42};
    }

    static int transaction(byte[] header) {
        return ((header[0] & 0xFF) << 8) | (header[1] & 0xFF);
    }

    private void startDevice() {
        Map<String, Object> config = Fixtures.tcp("faulty", server.getLocalPort(), "v holding 0 uint16");
        config.put("poll.interval.ms", 50L);
        config.put("timeout.ms", 200L);
        device = Fixtures.tcpDevice(Fixtures.settings(config), scheduler, sink);
        device.start();
    }

    @Test
    void garbageHeadersAreReportedAndTheConnectionIsReopened() throws Exception {
        peer((n, header, pdu, out) -> {
            if (n % 2 == 1) {
                out.write(new byte[] {1, 2, 0x13, 0x37, 0, 5, 1, 3, 2, 0, 42}); // protocol id 0x1337
                return true;
            }
            out.write(good(header, transaction(header)));
            return true;
        });
        startDevice();
        Fixtures.await("a good reading after garbage", 10, () -> Long.valueOf(42).equals(sink.lastValues().get("v")));
        Fixtures.await("garbage reported", 10, () -> device.lastError().contains("garbage frame header"));
        assertTrue(device.failedRequests.get() > 0);
    }

    @Test
    void aResponseWithTheWrongTransactionIdIsDroppedAndTimesOut() throws Exception {
        peer((n, header, pdu, out) -> {
            out.write(good(header, n < 4 ? transaction(header) + 1000 : transaction(header)));
            return true;
        });
        startDevice();
        Fixtures.await("recovers", 10, () -> Fixtures.in(device, DeviceState.ONLINE));
        assertTrue(sink.states.stream().anyMatch(s -> s.reason().contains("no usable answer")), sink.states.toString());
        assertEquals(42L, sink.lastValues().get("v"));
    }

    @Test
    void truncatedFramesAndAHangingPeerNeverStickThePoller() throws Exception {
        peer((n, header, pdu, out) -> {
            if (n <= 2) {
                out.write(new byte[] {header[0], header[1], 0, 0, 0, 5, 1, 3}); // cut short, then close
                return false;
            }
            if (n <= 6) {
                return true; // hang: never answer
            }
            out.write(good(header, transaction(header)));
            return true;
        });
        startDevice();
        Fixtures.await("online after truncation and hanging", 20, () -> Fixtures.in(device, DeviceState.ONLINE)
                && Long.valueOf(42).equals(sink.lastValues().get("v")));
        assertTrue(sink.states.stream().anyMatch(s -> s.state() == DeviceState.OFFLINE), sink.states.toString());
    }

    @Test
    void aResponseOfTheWrongLengthIsGarbageNotAValue() throws Exception {
        peer((n, header, pdu, out) -> {
            int t = transaction(header);
            out.write(new byte[] {(byte) (t >> 8), (byte) t, 0, 0, 0, 6, header[6], 3, 3, 0, 42, 7}); // 3 data bytes
            return true;
        });
        startDevice();
        Fixtures.await("degraded", 10, () -> !Fixtures.in(device, DeviceState.OFFLINE) || device.polls.get() > 3);
        Fixtures.await("error names the length", 10, () -> device.lastError().contains("expected 2"));
        assertTrue(sink.lastValues().isEmpty(), "no reading from a malformed answer");
    }
}
