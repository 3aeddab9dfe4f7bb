package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.SpoolEntry;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.SpoolStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The {@link Spool} contract in memory, for the link's own tests (the link bundle must not
 * reach into the spool bundle; the Pax Exam test uses the real one). Hands out most urgent
 * priority first, then append order; ack removes, release puts back. Counts hand-outs so a test
 * can see re-sends.
 */
final class MemorySpool implements Spool {

    private final TreeMap<Long, SpoolMessage> stored = new TreeMap<>();
    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long nextSequence = 1;
    long handedOut;
    long acked;
    long released;
    final java.util.Set<Long> ackedSequences = java.util.concurrent.ConcurrentHashMap.newKeySet();

    synchronized long add(String topic, byte[] payload, int priority) {
        long sequence = nextSequence++;
        stored.put(sequence, new SpoolMessage("", topic, payload, priority, Instant.now(), null));
        notifyAll();
        return sequence;
    }

    @Override
    public synchronized long append(SpoolMessage message) {
        long sequence = nextSequence++;
        stored.put(sequence, message);
        notifyAll();
        return sequence;
    }

    @Override
    public synchronized List<SpoolEntry> next(int max, Predicate<String> eligibleKey, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<SpoolEntry> out = new ArrayList<>();
            stored.entrySet().stream().filter(e -> !inFlight.contains(e.getKey()) && eligibleKey.test(e.getValue().key()))
                    .sorted(Comparator.comparingInt((java.util.Map.Entry<Long, SpoolMessage> e) -> -e.getValue().priority())
                            .thenComparingLong(java.util.Map.Entry::getKey))
                    .limit(max).forEach(e -> out.add(new SpoolEntry(e.getKey(), e.getValue())));
            if (!out.isEmpty()) {
                out.forEach(e -> inFlight.add(e.sequence()));
                handedOut += out.size();
                return out;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public synchronized void ack(long sequence) {
        if (stored.remove(sequence) != null) {
            acked++;
            ackedSequences.add(sequence);
        }
        inFlight.remove(sequence);
    }

    @Override
    public synchronized void release(long sequence) {
        if (inFlight.remove(sequence)) {
            released++;
            notifyAll();
        }
    }

    synchronized int depth() {
        return stored.size();
    }

    synchronized int inFlightCount() {
        return inFlight.size();
    }

    @Override
    public SpoolStats stats() {
        throw new UnsupportedOperationException("the link does not read spool statistics");
    }
}
