package dev.palisade.bus.modbus.internal;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Modbus RTU serial line shared by the devices on it: one request at a time (RTU has no
 * transaction id, so a second request before the answer would be paired with the wrong
 * response), in arrival order, on the line's own thread.
 *
 * <p>A frame is the unit id, the PDU and the CRC. RTU has no length field, so the response's
 * length follows from the request (or the exception bit). A frame with a bad CRC, from the wrong
 * unit or cut short is counted as garbage: the line waits for the bus to go quiet, discards what
 * is left and moves on, so that noise costs one request and never desynchronises the line. The
 * port is opened on the first request and reopened after an I/O error.
 */
final class SerialLine implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(SerialLine.class);
    private static final Object STOP = new Object();

    private final SerialSettings settings;
    private final SerialIo.Opener opener;
    private final long requestTimeoutMillis;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** 3.5 character times of silence separate frames; at least 2 ms (pty, USB adapters). */
    private final long silenceNanos;
    private SerialIo io;
    private volatile boolean closed;
    private long lastFrameEnd;

    private record Request(int unit, byte[] pdu, CompletableFuture<byte[]> result) {
    }

    SerialLine(SerialSettings settings, SerialIo.Opener opener, long requestTimeoutMillis) {
        this.settings = settings;
        this.opener = opener;
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.silenceNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(2), settings.characterNanos() * 7 / 2);
        this.thread = new Thread(this::run, "palisade-modbus-rtu-" + settings.port());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    SerialSettings settings() {
        return settings;
    }

    @Override
    public CompletableFuture<byte[]> request(int unit, byte[] pdu) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(ModbusException.closed("serial line " + settings.port() + " is closed"));
        } else {
            queue.add(new Request(unit, pdu, result));
        }
        return result;
    }

    private void run() {
        try {
            while (!closed) {
                Object next = queue.take();
                if (next == STOP) {
                    break;
                }
                Request request = (Request) next;
                try {
                    request.result.complete(exchange(request.unit, request.pdu));
                } catch (ModbusException e) {
                    request.result.completeExceptionally(e);
                } catch (IOException e) {
                    request.result.completeExceptionally(ModbusException.offline("serial line " + settings + ": "
                            + e.getMessage()));
                    closeIo();
                } catch (RuntimeException e) {
                    LOG.error("Modbus RTU line {}: unexpected failure", settings.port(), e);
                    request.result.completeExceptionally(ModbusException.transport(e.toString(), e));
                    closeIo();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeIo();
            ModbusException failure = ModbusException.closed("serial line " + settings.port() + " is closed");
            for (Object left : queue) {
                if (left instanceof Request r) {
                    r.result.completeExceptionally(failure);
                }
            }
        }
    }

    private byte[] exchange(int unit, byte[] pdu) throws IOException, ModbusException, InterruptedException {
        if (io == null) {
            io = opener.open(settings);
            LOG.info("Modbus RTU line {} opened", settings);
        }
        byte[] frame = new byte[pdu.length + 3];
        frame[0] = (byte) unit;
        System.arraycopy(pdu, 0, frame, 1, pdu.length);
        int crc = Crc16.of(frame, 0, pdu.length + 1);
        frame[pdu.length + 1] = (byte) crc;
        frame[pdu.length + 2] = (byte) (crc >> 8);
        long quietUntil = lastFrameEnd + silenceNanos;
        long wait = quietUntil - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        io.discardInput(); // stale bytes (noise, a late answer) must not prefix the response
        io.write(frame);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);
        byte[] response = new byte[Pdu.MAX_PDU + 3];
        try {
            int got = readAtLeast(response, 0, 2, deadline, unit);
            int function = response[1] & 0xFF;
            int total;
            if (function == ((pdu[0] & 0xFF) | 0x80)) {
                total = 5; // unit, function, code, CRC
            } else if (function == (pdu[0] & 0xFF)) {
                total = 1 + Pdu.expectedResponseLength(pdu) + 2;
            } else {
                throw garbage(unit, "response with function " + function + " to a request with function " + (pdu[0] & 0xFF));
            }
            readAtLeast(response, got, total, deadline, unit);
            if ((response[0] & 0xFF) != unit) {
                throw garbage(unit, "response from unit " + (response[0] & 0xFF));
            }
            int expectedCrc = Crc16.of(response, 0, total - 2);
            int actualCrc = (response[total - 2] & 0xFF) | ((response[total - 1] & 0xFF) << 8);
            if (expectedCrc != actualCrc) {
                throw garbage(unit, "CRC mismatch (noise on the line?)");
            }
            byte[] answer = new byte[total - 3];
            System.arraycopy(response, 1, answer, 0, answer.length);
            return answer;
        } finally {
            lastFrameEnd = System.nanoTime();
        }
    }

    private int readAtLeast(byte[] buffer, int have, int want, long deadline, int unit) throws IOException, ModbusException {
        while (have < want) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                if (have == 0) {
                    throw ModbusException.timeout("no answer from unit " + unit + " on " + settings.port() + " within "
                            + requestTimeoutMillis + " ms");
                }
                throw garbage(unit, "frame cut short after " + have + " bytes");
            }
            int read = io.read(buffer, have, want - have, (int) left);
            have += read;
        }
        return have;
    }

    /** Waits for the line to go quiet and drops the rest, so the next exchange starts clean. */
    private ModbusException garbage(int unit, String what) throws IOException {
        byte[] sink = new byte[256];
        while (io.read(sink, 0, sink.length, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(silenceNanos) * 2)) > 0) {
            // still receiving: keep draining
        }
        io.discardInput();
        return ModbusException.garbage("unit " + unit + " on " + settings.port() + ": " + what);
    }

    private void closeIo() {
        if (io != null) {
            io.close();
            io = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            thread.join(requestTimeoutMillis + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
