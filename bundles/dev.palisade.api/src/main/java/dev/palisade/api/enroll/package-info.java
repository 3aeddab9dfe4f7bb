/**
 * Enrollment of leaf devices with the hub: the gateway proves, for each child, that the child
 * holds its key, countersigns with its own token key, and the hub then lets this gateway — and
 * only this gateway — speak for the child (DESIGN §5, {@code docs/protocol.md}).
 *
 * <p>Implemented by {@code dev.palisade.enroll}, which discovers children from the
 * {@code dev.palisade.api.bus.LeafDevice} services, enrolls them automatically with retries and
 * backoff, keeps each child's state across restarts, and registers one
 * {@link dev.palisade.api.enroll.Enrollment} service.
 *
 * <p>Used by the shell ({@code palisade:children}) and by the link, which asks
 * {@link dev.palisade.api.enroll.Enrollment#child} before it sends a child's spooled telemetry
 * and sends it only once the child is {@link dev.palisade.api.enroll.EnrollmentStatus#ENROLLED}.
 * Other bundles can follow the states through the whiteboard
 * {@link dev.palisade.api.enroll.EnrollmentListener}.
 */
@Export
@Version("1.1.0")
package dev.palisade.api.enroll;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
