package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DeviceException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The RTU framing of {@link SerialLine} against scripted line noise (a unit test of one class:
 * pymodbus cannot corrupt frames on demand; the real serial path is RtuAgainstPymodbusTest).
 */
class SerialLineTest {

    /** Answers each written frame with the next scripted reply (empty: silence). */
    static final class ScriptedPort implements SerialIo {
        final Deque<byte[]> replies = new ArrayDeque<>();
        private byte[] pending = new byte[0];
        private int position;

        @Override
        public synchronized void write(byte[] frame) {
            byte[] next = replies.poll();
            pending = next == null ? new byte[0] : next;
            position = 0;
        }

        @Override
        public synchronized int read(byte[] buffer, int offset, int length, int timeoutMillis) throws java.io.IOException {
            if (position >= pending.length) {
                try {
                    wait(Math.min(timeoutMillis, 50));
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return 0;
            }
            int n = Math.min(length, pending.length - position);
            System.arraycopy(pending, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public synchronized void discardInput() {
            position = pending.length;
        }

        @Override
        public void close() {
        }
    }

    private final ScriptedPort port = new ScriptedPort();
    private final SerialLine line = new SerialLine(new SerialSettings("/dev/ttyTEST", 115200, 8, "none", 2),
            settings -> port, 300);

    @AfterEach
    void close() {
        line.close();
    }

    static byte[] frame(int... bytes) {
        byte[] out = new byte[bytes.length + 2];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        int crc = Crc16.of(out, 0, bytes.length);
        out[bytes.length] = (byte) crc;
        out[bytes.length + 1] = (byte) (crc >> 8);
        return out;
    }

    private static final byte[] READ_ONE = Pdu.read(RegisterKind.HOLDING, 0, 1);

    private ModbusException failure(int unit) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> line.request(unit, READ_ONE).get(5, TimeUnit.SECONDS));
        return (ModbusException) e.getCause();
    }

    @Test
    void noiseCostsOneRequestAndTheLineGoesOn() throws Exception {
        byte[] corrupted = frame(1, 3, 2, 0, 42);
        corrupted[4] ^= 0x10; // a bit flipped on the wire
        port.replies.add(corrupted);
        port.replies.add(frame(1, 3, 2, 0, 42));
        ModbusException noise = failure(1);
        assertEquals(DeviceException.Reason.TRANSPORT_ERROR, noise.reason);
        assertTrue(noise.getMessage().contains("CRC mismatch"), noise.getMessage());
        assertArrayEquals(new byte[] {3, 2, 0, 42}, line.request(1, READ_ONE).get(5, TimeUnit.SECONDS));
    }

    @Test
    void silenceIsATimeoutAndAForeignUnitOrCutFrameIsGarbage() {
        port.replies.add(new byte[0]); // silence
        assertEquals(DeviceException.Reason.TIMEOUT, failure(1).reason);
        port.replies.add(frame(9, 3, 2, 0, 42));
        assertTrue(failure(1).getMessage().contains("response from unit 9"));
        port.replies.add(new byte[] {1, 3, 2, 0});
        assertTrue(failure(1).getMessage().contains("cut short"));
        port.replies.add(frame(1, 16, 0, 0));
        assertTrue(failure(1).getMessage().contains("function 16 to a request with function 3"));
    }

    @Test
    void anExceptionResponseIsFramedAndReported() throws Exception {
        port.replies.add(frame(1, 0x83, 2));
        byte[] pdu = line.request(1, READ_ONE).get(5, TimeUnit.SECONDS);
        ModbusException e = assertThrows(ModbusException.class, () -> Pdu.dataOf(READ_ONE, pdu));
        assertEquals(DeviceException.Reason.DEVICE_ERROR, e.reason);
        assertEquals(2, e.exceptionCode);
        assertTrue(e.getMessage().contains("ILLEGAL DATA ADDRESS"));
    }
}
