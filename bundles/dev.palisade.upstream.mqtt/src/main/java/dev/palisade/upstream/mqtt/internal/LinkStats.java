package dev.palisade.upstream.mqtt.internal;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Counters and facts for {@code palisade:upstream} and the health details. Thread-safe. */
final class LinkStats {

    final AtomicLong published = new AtomicLong();
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong released = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong commands = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong connects = new AtomicLong();
    final AtomicLong connectFailures = new AtomicLong();
    volatile int window;
    volatile int receiveMaximum;
    volatile Instant connectedSince;
    volatile String lastError = "";
    volatile Instant lastErrorAt;

    void error(String detail) {
        lastError = detail;
        lastErrorAt = Instant.now();
    }
}
