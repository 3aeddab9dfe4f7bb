/**
 * Signed bundle updates on a live gateway: update sets verified before anything is installed,
 * applied one at a time behind a health gate, rolled back automatically when they fail.
 *
 * <p>Implemented by {@code dev.palisade.deploy}, which registers one
 * {@link dev.palisade.api.deploy.Deployer} service. It checks each set against the code-signing
 * anchors configured on the gateway (separate from device and hub anchors), stages it, applies
 * it, waits for the health gate, and keeps the previous set for rollback across restarts.
 *
 * <p>Used by the shell ({@code palisade:deploy}), {@code bin/palisade deploy}, the watcher of the
 * {@code deploy/} directory and the hub's deploy command.
 */
@Export
@Version("1.0.0")
package dev.palisade.api.deploy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
