/**
 * The way up to the hub: publishing for children through a durable store-and-forward spool,
 * request/response with the hub, the link's state, and commands coming down.
 *
 * <p>Two bundles provide it, so that replacing the link never touches queued data and never
 * makes a producer wait:
 * <ul>
 * <li>{@code dev.palisade.spool} provides {@link dev.palisade.api.upstream.Upstream} (what bus
 * bundles publish to) and {@link dev.palisade.api.upstream.Spool} (what the link drains);</li>
 * <li>{@code dev.palisade.upstream.mqtt} provides {@link dev.palisade.api.upstream.HubLink}
 * (request/response, used by the enrollment bundle), drains the spool to the hub, and calls the
 * whiteboard services {@link dev.palisade.api.upstream.LinkListener} and
 * {@link dev.palisade.api.upstream.CommandHandler}.</li>
 * </ul>
 *
 * <p>A new link bundle can take over from the running one without a stop-then-start gap:
 * {@link dev.palisade.api.upstream.LinkHandover} (since 1.2).
 *
 * <p>Topics follow {@code palisade/v1/<gateway>/…} (DESIGN §5). No method takes a full topic:
 * the link adds the prefix with the gateway id from the gateway's certificate, so that no bundle
 * can publish as another gateway or outside its subtree.
 */
@Export
@Version("1.2.0")
package dev.palisade.api.upstream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
