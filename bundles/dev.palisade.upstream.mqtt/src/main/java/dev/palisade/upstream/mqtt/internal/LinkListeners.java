package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.LinkListener;
import dev.palisade.api.upstream.LinkState;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LinkListener} whiteboard. One event thread calls every listener in order, so calls
 * come one at a time and in the order the states changed; a slow listener delays the others but
 * never the link.
 */
final class LinkListeners {

    private static final Logger LOG = LoggerFactory.getLogger(LinkListeners.class);

    private final CopyOnWriteArrayList<LinkListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> new Thread(r, "palisade-upstream-events"));

    void add(LinkListener listener, LinkState current, String detail) {
        listeners.add(listener);
        events.execute(() -> call(listener, current, detail));
    }

    void remove(LinkListener listener) {
        listeners.remove(listener);
    }

    void changed(LinkState state, String detail) {
        try {
            events.execute(() -> listeners.forEach(l -> call(l, state, detail)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Stopping: nobody is listening any more.
        }
    }

    private void call(LinkListener listener, LinkState state, String detail) {
        if (!listeners.contains(listener)) {
            return;
        }
        try {
            listener.linkChanged(state, detail == null ? "" : detail);
        } catch (RuntimeException e) {
            LOG.warn("Hub link: listener {} failed on {}: {}", listener.getClass().getName(), state, e.toString());
        }
    }

    void close() {
        events.shutdown();
    }
}
