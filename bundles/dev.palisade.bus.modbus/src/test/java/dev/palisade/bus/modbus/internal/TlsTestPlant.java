package dev.palisade.bus.modbus.internal;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import dev.palisade.api.identity.GatewayIdentity;

/**
 * The Modbus/TCP Security material several TLS tests share, issued with openssl ({@link TestPki})
 * in {@code dir}: a CA, the device {@code plc-tls-1} (server auth, IP 127.0.0.1) and the gateway
 * {@code gw-1} (client auth) as PKCS#12 files, the gateway's identity over its file and a trust
 * service anchored at the CA.
 */
record TlsTestPlant(TestPki pki, GatewayIdentity identity, TlsAgainstPymodbusTest.PkixTrust trust, Path deviceP12) {

    static TlsTestPlant issue(Path dir) throws Exception {
        TestPki pki = new TestPki(dir);
        pki.ca("ca", "Plant Modbus CA");
        pki.leaf("device", "plc-tls-1", "ca", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1");
        pki.leaf("gateway", "gw-1", "ca", "extendedKeyUsage=clientAuth");
        pki.pkcs12("gateway", "ca");
        pki.pkcs12("device", "ca");
        GatewayIdentity identity = new TlsAgainstPymodbusTest.P12Identity(pki.file("gateway.p12"));
        try (InputStream in = Files.newInputStream(pki.file("ca.crt"))) {
            TlsAgainstPymodbusTest.PkixTrust trust = new TlsAgainstPymodbusTest.PkixTrust(
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
            return new TlsTestPlant(pki, identity, trust, pki.file("device.p12"));
        }
    }
}
