/**
 * Health of the gateway's parts, as a field engineer and an update's health gate see it.
 *
 * <p>Any bundle that owns something that can be broken at run time (a keystore, the hub link,
 * a bus) registers a {@link dev.palisade.api.health.HealthIndicator} service. The shell's
 * {@code palisade:status} lists every indicator, and the deploy bundle's health gate requires
 * every indicator of the changed bundles to report {@link dev.palisade.api.health.Health#UP}
 * or {@link dev.palisade.api.health.Health#DEGRADED} before an update is kept.
 */
@Export
@Version("1.0.0")
package dev.palisade.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
