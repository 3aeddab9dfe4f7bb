package dev.palisade.upstream.mqtt.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads Paho runs one connection on, owned by the link (so that they end with the
 * connection), and a nudge for a Paho 1.2.5 delay: {@code CommsReceiver}, {@code CommsSender}
 * and {@code CommsCallback} start and stop their thread and then poll its state with
 * {@code Thread.sleep(100)} (eclipse-paho/paho.mqtt.java#945, open), so every connect waited
 * about 300 ms for threads that were running after a millisecond: most of the data gap when the
 * link bundle is replaced (docs/benchmarks.md). The 100 ms a clean disconnect still took was
 * not one of these polls but a plain sleep in {@code MqttAsyncClient.disconnect}: {@link HubClient}
 * avoids it.
 *
 * <p>While nudging (only around a connect and a disconnect), a timer wakes every millisecond
 * the threads of this pool found sleeping in exactly that poll; Paho catches the interruption
 * and looks at the state again. Only this pool's threads are touched, only in that frame, and
 * a pool thread's stray interrupt status is cleared by the pool before its next task; Paho's
 * loops (reading, sending, callbacks) wait elsewhere and are never interrupted.
 */
final class PahoThreads {

    private static final String PAHO_COMMS = "org.eclipse.paho.mqttv5.client.internal.Comms";
    private static final int THREADS = 8; // connect, receiver, sender, callback, ping, disconnect, the nudge, spare

    private final Pool pool;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private ScheduledFuture<?> nudging;

    PahoThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        pool = new Pool(THREADS, task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            threads.add(thread);
            return thread;
        });
        pool.setRemoveOnCancelPolicy(true);
    }

    /**
     * @return when Paho handed its receiver to this pool ({@link System#nanoTime()}), or 0 if
     *         it has not: Paho starts the receiver right after the TCP connect and the TLS
     *         handshake, so this splits a connect's time into TCP+TLS and MQTT CONNECT for the
     *         link's timing line
     */
    long receiverStartedAt() {
        return pool.receiverStartedAt;
    }

    ScheduledExecutorService executor() {
        return pool;
    }

    /**
     * Starts all the pool's threads now: a link taking over from an older one does it before the
     * older one yields, so that Paho's connect in the data gap does not make them one by one.
     */
    void prestart() {
        pool.prestartAllCoreThreads();
    }

    /** Starts or stops waking Paho's start/stop polls. */
    synchronized void nudge(boolean on) {
        if (on && nudging == null && !pool.isShutdown()) {
            nudging = pool.scheduleWithFixedDelay(this::wakePolls, 1, 1, TimeUnit.MILLISECONDS);
        } else if (!on && nudging != null) {
            nudging.cancel(false);
            nudging = null;
        }
    }

    private void wakePolls() {
        for (Thread thread : threads) {
            if (thread != Thread.currentThread() && thread.getState() == Thread.State.TIMED_WAITING
                    && inPahoPoll(thread.getStackTrace())) {
                thread.interrupt();
            }
        }
    }

    /** @return whether the stack is {@code Thread.sleep} called right from a Paho Comms* start or stop */
    static boolean inPahoPoll(StackTraceElement[] stack) {
        int i = 0;
        while (i < stack.length && stack[i].getClassName().equals(Thread.class.getName())) {
            i++;
        }
        if (i == 0 || i >= stack.length || !stack[i - 1].getMethodName().startsWith("sleep")) {
            return false;
        }
        StackTraceElement caller = stack[i];
        return caller.getClassName().startsWith(PAHO_COMMS)
                && (caller.getMethodName().equals("start") || caller.getMethodName().equals("stop"));
    }

    /** The pool, noting when Paho submits its receiver (the TLS handshake is done then). */
    private static final class Pool extends ScheduledThreadPoolExecutor {

        private static final String RECEIVER = PAHO_COMMS + "Receiver";
        volatile long receiverStartedAt;

        Pool(int threads, java.util.concurrent.ThreadFactory factory) {
            super(threads, factory);
        }

        @Override
        public java.util.concurrent.Future<?> submit(Runnable task) {
            if (receiverStartedAt == 0L && task.getClass().getName().equals(RECEIVER)) {
                receiverStartedAt = System.nanoTime();
            }
            return super.submit(task);
        }
    }

    /** Ends the pool's threads; after Paho's client was closed. */
    void shutdown() {
        nudge(false);
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                org.slf4j.LoggerFactory.getLogger(PahoThreads.class).warn("Hub link: Paho's threads did not end within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
