/**
 * The gateway's own identity: its private key on a hardware token, its certificate chain, and
 * what other bundles may do with them (present them in TLS, sign with them, provision them).
 *
 * <p>Implemented by {@code dev.palisade.identity}, the only bundle that opens the keystore (a
 * PKCS#11 token; a PKCS#12 file in development). It registers three services:
 * <ul>
 * <li>{@link dev.palisade.api.identity.GatewayIdentity} while a key with an installed chain is
 * usable, for the upstream link and for bus bundles that present the gateway's certificate
 * in TLS (Modbus/TCP Security);</li>
 * <li>{@link dev.palisade.api.identity.Signer} for the same key, for the enrollment bundle's
 * proofs of possession;</li>
 * <li>{@link dev.palisade.api.identity.IdentityAdmin} whenever a keystore is configured, for the
 * shell and {@code bin/palisade identity} to create, install and rotate the identity.</li>
 * </ul>
 *
 * <p>Nothing in this package ever carries a PIN or private key material: the PIN comes from the
 * source the keystore configuration names, and private keys never leave the token. Every
 * {@code toString()} here is safe to log.
 */
@Export
@Version("1.2.0")
package dev.palisade.api.identity;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
