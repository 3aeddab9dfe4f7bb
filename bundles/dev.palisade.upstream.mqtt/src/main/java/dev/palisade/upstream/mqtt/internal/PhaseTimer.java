package dev.palisade.upstream.mqtt.internal;

import java.util.concurrent.TimeUnit;

/**
 * Milliseconds spent in the named phases of a connect or a stop, for one log line that tells a
 * field engineer (and the hot-swap benchmark) where the link's time went. Not thread-safe: one
 * link loop uses it.
 */
final class PhaseTimer {

    private final StringBuilder phases = new StringBuilder();
    private long last;

    PhaseTimer() {
        this(System.nanoTime());
    }

    /** @param since when the first phase began ({@link System#nanoTime()}) */
    PhaseTimer(long since) {
        last = since;
    }

    void restart() {
        phases.setLength(0);
        last = System.nanoTime();
    }

    void mark(String phase) {
        markAt(phase, System.nanoTime());
    }

    /** Ends a phase at {@code now} ({@link System#nanoTime()}), not later than the next mark. */
    void markAt(String phase, long now) {
        if (phases.length() > 0) {
            phases.append(", ");
        }
        phases.append(phase).append(' ').append(TimeUnit.NANOSECONDS.toMillis(now - last)).append(" ms");
        last = now;
    }

    @Override
    public String toString() {
        return phases.length() == 0 ? "no phases" : phases.toString();
    }
}
