package dev.palisade.hub.enroll;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import dev.palisade.hub.registry.RegistryException;

/**
 * Runs the per-child checks of one proof batch (docs/protocol.md §4.3: the child's signature, its
 * inclusion path, the chain re-check) on all cores, and those of one request (the leaf policy and
 * the child's PKIX chain validation, §4.2). They are independent of each other and write
 * nothing, and the child's P-256 signature verification is most of the hub's cost per child
 * (measured with JFR, docs/benchmarks.md "Enrollment batches"), so a batch of N children costs
 * about N / cores verifications of wall time instead of N. Small batches run on the caller's
 * thread: handing them over would cost more than it saves.
 *
 * <p>The pool is the hub's, bounded to one thread per core whatever the number of gateways
 * proving at once (their batches queue), its threads are daemons that end when idle, and
 * {@link #close()} stops it when the hub stops. Each check's result lands in its own slot:
 * the order of the answer is the order of the batch whatever thread checked what.
 */
final class ProofBatchVerifier implements AutoCloseable {
    /** Below this many proofs a batch is checked on the caller's thread. */
    static final int PARALLEL_FROM = 8;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    private final int threads;

    ProofBatchVerifier(int threads) {
        this.threads = Math.max(1, threads);
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(this.threads, this.threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "palisade-hub-proof-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /** One thread per core of this machine. */
    ProofBatchVerifier() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param count the number of proofs in the batch
     * @param check the check of proof {@code i}: empty if it holds, else why it is refused; must
     *        be safe to call from several threads at once
     * @return the refusal of each proof, null where it holds, in batch order
     * @throws RegistryException if the wait for the checks was interrupted (the hub is stopping)
     */
    Refusal[] verifyAll(int count, IntFunction<Optional<Refusal>> check) throws RegistryException {
        Refusal[] refusals = new Refusal[count];
        if (count < PARALLEL_FROM || threads == 1) {
            checkRange(refusals, 0, count, check);
            return refusals;
        }
        // A few slices per thread, so one slow slice (a PKIX validation, a registry read) does not
        // leave the other cores idle at the end of the batch.
        int slices = Math.min(count, threads * 4);
        int size = (count + slices - 1) / slices;
        List<Future<?>> running = new ArrayList<>();
        try {
            for (int from = size; from < count; from += size) { // the first slice is the caller's own
                int start = from;
                int end = Math.min(count, from + size);
                running.add(pool.submit((Callable<Void>) () -> {
                    checkRange(refusals, start, end, check);
                    return null;
                }));
            }
        } catch (RejectedExecutionException e) { // the hub is stopping: what was not handed over is checked here
            int handed = running.size();
            checkRange(refusals, Math.min(count, size * (handed + 1)), count, check);
        }
        checkRange(refusals, 0, Math.min(count, size), check);
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.forEach(r -> r.cancel(true));
                throw new RegistryException(RegistryException.Reason.UNAVAILABLE, "interrupted while checking a proof batch");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }
        return refusals;
    }

    private static void checkRange(Refusal[] refusals, int from, int to, IntFunction<Optional<Refusal>> check) {
        for (int i = from; i < to; i++) {
            refusals[i] = check.apply(i).orElse(null);
        }
    }

    /** Stops the pool's threads; a batch checked afterwards runs on its caller's thread. */
    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** @return whether {@link #close()} was called and every pool thread has ended */
    boolean awaitStopped(long millis) throws InterruptedException {
        return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }
}
