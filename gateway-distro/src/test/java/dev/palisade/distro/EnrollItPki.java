package dev.palisade.distro;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A device CA for the enrollment ITs' children (a {@link ModbusTlsItPki} underneath, inside the
 * framework: a separate class so that the test class itself loads where Bouncy Castle is not).
 * Each instance is one CA with its own name; its device leaves carry the child id as CN, as the
 * hub requires, and are client certificates.
 */
final class EnrollItPki {

    private final ModbusTlsItPki ca;

    EnrollItPki(String name) throws Exception {
        this.ca = new ModbusTlsItPki(name);
    }

    /** Writes the CA certificate and its PKCS#8 key (for the hub's proof of possession). */
    void writeCa(Path certificate, Path key) throws Exception {
        ca.writeCa(certificate);
        ca.writeCaKey(key);
    }

    /** @return a device's key pair and chain (leaf, then this CA) */
    Device device(String child) throws Exception {
        KeyPair deviceKeys = UpstreamItPki.ecKeys();
        return new Device(deviceKeys, ca.clientChain(child, deviceKeys.getPublic()));
    }

    record Device(KeyPair keys, List<X509Certificate> chain) {
    }
}
