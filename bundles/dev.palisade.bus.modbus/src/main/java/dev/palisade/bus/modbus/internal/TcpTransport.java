package dev.palisade.bus.modbus.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Modbus TCP (and, with a TLS connector, Modbus/TCP Security): MBAP framing, responses paired
 * with requests by transaction id, up to {@code maxInFlight} requests outstanding (pipelining,
 * for devices that allow it).
 *
 * <p>One thread per connection connects on demand (when a request is waiting) and reads
 * responses; callers only queue and write, so a poller is never held by a dead peer. A response
 * with an unknown transaction id (a late answer to a request that timed out) is dropped; a frame
 * whose header is garbage desynchronises the stream, so the connection is dropped and reopened.
 * After {@value #TIMEOUTS_BEFORE_RECONNECT} timeouts in a row the connection is reopened too: a
 * hung peer often needs a fresh connection.
 */
final class TcpTransport implements Transport {

    static final int TIMEOUTS_BEFORE_RECONNECT = 3;

    private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);

    private final String name;
    private final String host;
    private final int port;
    private final Connector connector;
    private final int connectTimeoutMillis;
    private final long requestTimeoutMillis;
    private final int maxInFlight;
    private final ScheduledExecutorService timer;
    private final Thread thread;

    private final Object lock = new Object();
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final Map<Integer, Pending> inFlight = new HashMap<>();
    private Socket socket;
    private OutputStream out;
    private int nextTransaction;
    private int timeoutsInARow;
    private boolean closed;
    /**
     * Completions decided under the lock and run after it is released: a completion runs the
     * device's callbacks (decoding, listeners, the next poll), which must not hold the lock.
     */
    private List<Runnable> outbox = new ArrayList<>();
    /** The one timer task that expires overdue requests, armed for the earliest deadline. */
    private ScheduledFuture<?> sweep;

    private final class Pending {
        final int unit;
        final byte[] pdu;
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        int transaction = -1;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMillis);

        Pending(int unit, byte[] pdu) {
            this.unit = unit;
            this.pdu = pdu;
        }
    }

    TcpTransport(String name, String host, int port, Connector connector, int connectTimeoutMillis,
            long requestTimeoutMillis, int maxInFlight, ScheduledExecutorService timer) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.connector = connector;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.maxInFlight = maxInFlight;
        this.timer = timer;
        this.thread = new Thread(this::run, "palisade-modbus-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public CompletableFuture<byte[]> request(int unit, byte[] pdu) {
        Pending pending = new Pending(unit, pdu);
        synchronized (lock) {
            if (closed) {
                pending.result.completeExceptionally(ModbusException.closed("transport " + name + " is closed"));
                return pending.result;
            }
            waiting.add(pending);
            armSweep(pending.deadline);
            lock.notifyAll(); // wakes the connection thread if it is idle and unconnected
            sendWaiting();
        }
        deliver();
        return pending.result;
    }

    /** Writes waiting requests while the connection is up and the in-flight window allows. */
    private void sendWaiting() {
        if (out != null && !waiting.isEmpty() && inFlight.isEmpty() && connector.stale(socket)) {
            LOG.info("Modbus device {}: the session with {}:{} is older than its re-handshake age; opening a new one", name,
                    host, port);
            dropConnection(); // the connection thread reconnects for the waiting requests
            return;
        }
        if (out != null && !waiting.isEmpty()) {
            String refusal = connector.refusal(socket);
            if (refusal != null) {
                LOG.info("Modbus device {}: closing the connection to {}:{}: its certificate is refused now: {}", name, host,
                        port, refusal);
                ModbusException failure = ModbusException.refused(refusal);
                waiting.forEach(pending -> fail(pending, failure));
                waiting.clear();
                dropConnection();
                return;
            }
        }
        while (out != null && inFlight.size() < maxInFlight && !waiting.isEmpty()) {
            Pending pending = waiting.poll();
            if (pending.result.isDone()) {
                continue;
            }
            do {
                nextTransaction = (nextTransaction + 1) & 0xFFFF;
            } while (inFlight.containsKey(nextTransaction));
            pending.transaction = nextTransaction;
            byte[] frame = new byte[7 + pending.pdu.length];
            frame[0] = (byte) (pending.transaction >> 8);
            frame[1] = (byte) pending.transaction;
            int length = pending.pdu.length + 1;
            frame[4] = (byte) (length >> 8);
            frame[5] = (byte) length;
            frame[6] = (byte) pending.unit;
            System.arraycopy(pending.pdu, 0, frame, 7, pending.pdu.length);
            inFlight.put(pending.transaction, pending);
            try {
                out.write(frame);
                out.flush();
            } catch (IOException e) {
                // The reading thread sees the broken socket too and fails what is in flight.
                inFlight.remove(pending.transaction);
                fail(pending, ModbusException.transport("cannot send to " + host + ":" + port + ": " + e.getMessage(), e));
                dropConnection();
                return;
            }
        }
    }

    /**
     * One timer task per connection rather than one per request: under load a request costs no
     * timer operation, and the task runs about once per timeout period. Holds the lock.
     */
    private void armSweep(long deadline) {
        if (sweep == null && !closed) {
            sweep = timer.schedule(this::sweep, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void sweep() {
        synchronized (lock) {
            sweep = null;
            long now = System.nanoTime();
            long earliest = Long.MAX_VALUE;
            List<Pending> overdue = new ArrayList<>();
            for (Pending pending : waiting) {
                if (pending.deadline - now <= 0) {
                    overdue.add(pending);
                } else {
                    earliest = Math.min(earliest, pending.deadline);
                }
            }
            for (Pending pending : inFlight.values()) {
                if (pending.deadline - now <= 0) {
                    overdue.add(pending);
                } else {
                    earliest = Math.min(earliest, pending.deadline);
                }
            }
            overdue.forEach(this::timedOut);
            if (earliest != Long.MAX_VALUE) {
                armSweep(earliest);
            }
        }
        deliver();
    }

    /** Holds the lock. */
    private void timedOut(Pending pending) {
        {
            if (pending.result.isDone()) {
                return;
            }
            waiting.remove(pending);
            if (pending.transaction >= 0) {
                inFlight.remove(pending.transaction);
            }
            boolean connected = socket != null;
            fail(pending, ModbusException.timeout("no answer from " + host + ":" + port
                    + " unit " + pending.unit + " within " + requestTimeoutMillis + " ms"
                    + (connected ? "" : " (not connected)")));
            if (connected && ++timeoutsInARow >= TIMEOUTS_BEFORE_RECONNECT) {
                LOG.info("Modbus device {}: {} requests in a row timed out, reconnecting to {}:{}", name,
                        timeoutsInARow, host, port);
                dropConnection();
            }
            sendWaiting();
        }
    }

    private void run() {
        while (true) {
            synchronized (lock) {
                while (!closed && waiting.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
            }
            Socket connected;
            try {
                connected = connector.connect(host, port, connectTimeoutMillis);
            } catch (RefusedPeerException e) {
                failWaiting(ModbusException.refused(e.getMessage()));
                continue;
            } catch (IOException e) {
                failWaiting(ModbusException.offline("cannot connect to " + host + ":" + port + ": " + describe(e)));
                continue;
            }
            DataInputStream in;
            synchronized (lock) {
                if (closed) {
                    closeQuietly(connected);
                    return;
                }
                try {
                    out = connected.getOutputStream();
                    in = new DataInputStream(connected.getInputStream());
                } catch (IOException e) {
                    closeQuietly(connected);
                    continue;
                }
                socket = connected;
                timeoutsInARow = 0;
                LOG.debug("Modbus device {}: connected to {}:{}", name, host, port);
                sendWaiting();
            }
            deliver();
            readResponses(connected, in);
        }
    }

    private void readResponses(Socket connected, DataInputStream in) {
        byte[] header = new byte[7];
        String error;
        try {
            while (true) {
                in.readFully(header);
                int transaction = ((header[0] & 0xFF) << 8) | (header[1] & 0xFF);
                int protocol = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
                int length = ((header[4] & 0xFF) << 8) | (header[5] & 0xFF);
                if (protocol != 0 || length < 2 || length > Pdu.MAX_PDU + 1) {
                    error = "garbage frame header from " + host + ":" + port + " (protocol " + protocol + ", length "
                            + length + ")";
                    LOG.warn("Modbus device {}: {}; reconnecting", name, error);
                    break;
                }
                byte[] pdu = new byte[length - 1];
                in.readFully(pdu);
                int unit = header[6] & 0xFF;
                synchronized (lock) {
                    Pending pending = inFlight.remove(transaction);
                    if (pending == null) {
                        LOG.debug("Modbus device {}: dropped a response with unknown transaction id {} (late or foreign)",
                                name, transaction);
                        continue;
                    }
                    timeoutsInARow = 0;
                    if (unit != pending.unit) {
                        fail(pending, ModbusException.garbage("response for unit " + unit + " to a request for unit "
                                + pending.unit));
                    } else {
                        outbox.add(() -> pending.result.complete(pdu));
                    }
                    sendWaiting();
                }
                deliver();
            }
        } catch (EOFException e) {
            error = "connection to " + host + ":" + port + " closed by the device";
        } catch (IOException e) {
            error = "connection to " + host + ":" + port + " failed: " + describe(e);
        }
        synchronized (lock) {
            if (socket == connected) {
                dropConnection();
            }
            for (Pending pending : inFlight.values()) {
                fail(pending, ModbusException.transport(error, null));
            }
            inFlight.clear();
            if (!closed) {
                LOG.debug("Modbus device {}: {}", name, error);
            }
        }
        deliver();
    }

    /** Closes the socket; the reading thread then fails what is in flight. Holds the lock. */
    private void dropConnection() {
        if (socket != null) {
            closeQuietly(socket);
            socket = null;
            out = null;
        }
    }

    private void failWaiting(ModbusException failure) {
        synchronized (lock) {
            for (Pending pending : waiting) {
                fail(pending, failure);
            }
            waiting.clear();
        }
        deliver();
    }

    /** Holds the lock. */
    private void fail(Pending pending, ModbusException failure) {
        outbox.add(() -> pending.result.completeExceptionally(failure));
    }

    private void deliver() {
        List<Runnable> batch;
        synchronized (lock) {
            if (outbox.isEmpty()) {
                return;
            }
            batch = outbox;
            outbox = new ArrayList<>();
        }
        batch.forEach(Runnable::run);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (sweep != null) {
                sweep.cancel(false);
            }
            dropConnection();
            ModbusException failure = ModbusException.closed("device " + name + " is being removed or stopped");
            waiting.forEach(p -> fail(p, failure));
            inFlight.values().forEach(p -> fail(p, failure));
            waiting.clear();
            inFlight.clear();
            lock.notifyAll();
        }
        deliver();
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(IOException e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.trace("closing a Modbus socket", e);
        }
    }
}
