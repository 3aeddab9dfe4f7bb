package dev.palisade.bus.modbus.internal;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The Modbus/TCP Security role extension (Modbus Organization, MB-TCP-Security v21, R-21/R-22):
 * OID {@value #OID}, non-critical, an ASN.1 UTF8String naming the role of the certificate's
 * holder. The server maps the client's role to the function codes it may use; the mapping is
 * the device vendor's, so the gateway only uses it to refuse locally what the device would
 * refuse anyway, with a clearer message (docs/modbus.md).
 */
final class RoleExtension {

    static final String OID = "1.3.6.1.4.1.50316.802.1";

    private RoleExtension() {
    }

    /**
     * @return the role, or empty if the certificate has no role extension
     * @throws IllegalArgumentException if the extension is present but not a UTF8String
     */
    static Optional<String> role(X509Certificate certificate) {
        byte[] outer = certificate.getExtensionValue(OID);
        if (outer == null) {
            return Optional.empty();
        }
        // getExtensionValue returns the OCTET STRING that wraps the extension's DER value.
        byte[] inner = contents(outer, 0x04);
        return Optional.of(new String(contents(inner, 0x0C), StandardCharsets.UTF_8));
    }

    private static byte[] contents(byte[] der, int tag) {
        if (der.length < 2 || (der[0] & 0xFF) != tag) {
            throw new IllegalArgumentException("role extension " + OID + " is not a UTF8String");
        }
        int length = der[1] & 0xFF;
        int offset = 2;
        if (length >= 0x80) {
            int bytes = length & 0x7F;
            if (bytes < 1 || bytes > 2 || der.length < 2 + bytes) {
                throw new IllegalArgumentException("role extension " + OID + " has a bad length");
            }
            length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[2 + i] & 0xFF);
            }
            offset += bytes;
        }
        if (offset + length != der.length) {
            throw new IllegalArgumentException("role extension " + OID + " has a bad length");
        }
        byte[] out = new byte[length];
        System.arraycopy(der, offset, out, 0, length);
        return out;
    }
}
