/**
 * The enrollment protocol between a gateway and the hub ({@code docs/protocol.md}): the message
 * records with strict, bounded JSON parsing and serialization, the exact bytes each signature
 * covers, the batch hash tree, and signature checks for EC P-256/P-384 and RSA keys.
 *
 * <p>Plain JDK code with no state: used by the hub (a plain Java application) and by the
 * gateway's enrollment bundle. Parsing hostile input throws {@link
 * dev.palisade.protocol.enroll.ProtocolException} naming the field that is wrong; nothing here
 * logs.
 */
@Export
@Version("1.1.0")
package dev.palisade.protocol.enroll;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
