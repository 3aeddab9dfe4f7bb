package dev.palisade.hub.admin;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.RegistryException.Reason;

/** Turns the DER the registry stores back into certificates. */
public final class CertificateCodec {
    private CertificateCodec() {
    }

    public static X509Certificate decode(byte[] der, String owner) throws RegistryException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new RegistryException(Reason.UNAVAILABLE, "the registry's certificate of " + owner
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
