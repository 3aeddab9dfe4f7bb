package dev.palisade.api.enroll;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when a child's enrollment state changes. Register it as an OSGi service (whiteboard).
 *
 * <p>A newly found listener is first called once for every known child with {@code previous}
 * {@code null}, so it needs no separate query. Calls come in order, one at a time, on a thread
 * of the enrollment bundle: a listener must return quickly and must not block. An exception
 * thrown by a listener is logged and otherwise ignored.
 */
@ConsumerType
public interface EnrollmentListener {

    /**
     * @param previous the child's previous state, or {@code null} if the listener has not seen
     *        the child before
     * @param current the child's new state; never {@code null}
     */
    void changed(ChildState previous, ChildState current);
}
