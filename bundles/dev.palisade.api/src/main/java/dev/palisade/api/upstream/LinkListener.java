package dev.palisade.api.upstream;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when the link to the hub changes state. Register it as an OSGi service (whiteboard);
 * the link bundle calls every registered listener.
 *
 * <p>A newly found listener is first called with the current state, so it needs no separate
 * query. Calls come in order, one at a time per listener, on a thread of the link: a listener
 * must return quickly and must not block (hand work to its own executor). An exception thrown
 * by a listener is logged and otherwise ignored.
 */
@ConsumerType
public interface LinkListener {

    /**
     * @param state the new state; never {@code null}
     * @param detail why, for a field engineer (for example {@code "TLS handshake failed:
     *        certificate_unknown from hub.example:8883"}); never {@code null}, may be empty
     */
    void linkChanged(LinkState state, String detail);
}
