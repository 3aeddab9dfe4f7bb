package dev.palisade.bus.modbus.internal;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.Vector;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ChannelBinding;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * A TLS device (server) in Bouncy Castle's TLS API that requires a client certificate and
 * records, for each session, what it exports as the RFC 9266 tls-exporter channel binding —
 * from the server's side of the key schedule. (BCJSSE cannot serve here: it clears the exporter
 * secret when the handshake ends.) One protocol version only, so a test can pin 1.2 or 1.3.
 */
final class BcTlsDevice implements AutoCloseable {

    final BlockingQueue<byte[]> exported = new LinkedBlockingQueue<>();
    final BlockingQueue<String> versions = new LinkedBlockingQueue<>();
    /** What went wrong on the device's side, for the test's failure message. */
    final java.util.List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Thread acceptor;

    BcTlsDevice(Path p12, ProtocolVersion version) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        String alias = store.aliases().nextElement();
        PrivateKey key = (PrivateKey) store.getKey(alias, "changeit".toCharArray());
        java.security.cert.Certificate[] chain = store.getCertificateChain(alias);
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    JcaTlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
                    TlsServerProtocol protocol = new TlsServerProtocol(socket.getInputStream(), socket.getOutputStream());
                    protocol.accept(new Server(crypto, key, chain, version));
                    protocol.getInputStream().read(); // until the gateway closes
                } catch (Exception e) {
                    if (!server.isClosed()) {
                        errors.add(e.toString());
                    }
                }
            }
        }, "bc-tls-device");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(5_000);
    }

    private final class Server extends DefaultTlsServer {
        private final JcaTlsCrypto jca;
        private final PrivateKey key;
        private final java.security.cert.Certificate[] chain;
        private final ProtocolVersion version;
        private final SignatureAndHashAlgorithm ecdsaSha256 =
                SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

        Server(JcaTlsCrypto crypto, PrivateKey key, java.security.cert.Certificate[] chain, ProtocolVersion version) {
            super(crypto);
            this.jca = crypto;
            this.key = key;
            this.chain = chain;
            this.version = version;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return new ProtocolVersion[] {version};
        }

        /** Its key is EC: only suites it can sign for (the server picks the first the client offers). */
        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
        }

        @Override
        public TlsCredentials getCredentials() throws java.io.IOException {
            boolean tls13 = TlsUtils.isTLSv13(context);
            TlsCertificate[] certificates = new TlsCertificate[chain.length];
            try {
                for (int i = 0; i < chain.length; i++) {
                    certificates[i] = jca.createCertificate(chain[i].getEncoded());
                }
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new TlsFatalAlert(AlertDescription.internal_error, e);
            }
            Certificate certificate;
            if (tls13) {
                CertificateEntry[] entries = new CertificateEntry[certificates.length];
                for (int i = 0; i < certificates.length; i++) {
                    entries[i] = new CertificateEntry(certificates[i], null);
                }
                certificate = new Certificate(TlsUtils.EMPTY_BYTES, entries);
            } else {
                certificate = new Certificate(certificates);
            }
            return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), jca, key, certificate, ecdsaSha256);
        }

        @Override
        public CertificateRequest getCertificateRequest() throws java.io.IOException {
            Vector<SignatureAndHashAlgorithm> algorithms = new Vector<>();
            algorithms.add(ecdsaSha256);
            return TlsUtils.isTLSv13(context) ? new CertificateRequest(TlsUtils.EMPTY_BYTES, algorithms, null, null)
                    : new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign}, algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws java.io.IOException {
            if (clientCertificate == null || clientCertificate.isEmpty()) {
                throw new TlsFatalAlert(AlertDescription.certificate_required);
            }
        }

        @Override
        public void notifyHandshakeComplete() throws java.io.IOException {
            super.notifyHandshakeComplete();
            versions.add(context.getServerVersion().toString());
            exported.add(context.exportChannelBinding(ChannelBinding.tls_exporter));
        }
    }
}
