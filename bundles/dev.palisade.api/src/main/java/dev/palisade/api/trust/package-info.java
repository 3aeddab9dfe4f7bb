/**
 * Local, offline verification of the certificates leaf devices present: the gateway's
 * security boundary towards its buses.
 *
 * <p>Implemented by {@code dev.palisade.trust}, which holds named trust domains (anchors,
 * intermediates, key and algorithm policy, EKU, depth, revocation from a local CRL cache, a
 * deny-list), validates paths per RFC 5280 with strict profile checks on every certificate
 * including the anchor, and derives each device's identity. It registers one
 * {@link dev.palisade.api.trust.TrustService}.
 *
 * <p>Used by bus bundles (a TLS device's certificate, through
 * {@link dev.palisade.api.trust.TrustService#trustManager}), by the enrollment bundle, and by the
 * shell's {@code palisade:verify} and {@code palisade:trust}. A rejection is an answer, not an
 * exception: a {@link dev.palisade.api.trust.Verdict} names the certificate and the rule.
 */
@Export
@Version("1.0.0")
package dev.palisade.api.trust;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
