package dev.palisade.bus.modbus.internal;

import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.identity.GatewayIdentity;
import dev.palisade.api.trust.Purpose;
import dev.palisade.api.trust.RejectedCertificateException;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Modbus/TCP Security (MB-TCP-Security v21): mutual TLS 1.2/1.3 with the MBAP ADU unchanged
 * inside. The gateway presents its own certificate through the identity service's key manager
 * (the key stays on the token); the device's chain is verified by the trust service in the
 * device's trust domain, with the domain's identity rule matched against the configured
 * identity — which takes the place of a host-name check. A refusal carries the trust service's
 * verdict message.
 */
final class TlsConnector implements Connector {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Supplier<GatewayIdentity> identity;
    private final Supplier<TrustService> trust;
    private final String domain;
    private final String expectedIdentity;
    private final Consumer<PeerIdentity> accepted;
    private final long recheckNanos;
    /** When the open connection's peer is next verified again (System.nanoTime). */
    private volatile long nextRecheck;

    TlsConnector(Supplier<GatewayIdentity> identity, Supplier<TrustService> trust, String domain,
            String expectedIdentity, Consumer<PeerIdentity> accepted) {
        this.identity = identity;
        this.trust = trust;
        this.domain = domain;
        this.expectedIdentity = expectedIdentity;
        this.accepted = accepted;
        this.recheckNanos = TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * At most once a second: the trust service again on the chain the open connection's peer
     * presented. A cached verdict makes that cheap, and the deny-list is applied on every request.
     */
    @Override
    public String refusal(Socket socket) {
        long now = System.nanoTime();
        if (!(socket instanceof SSLSocket ssl) || now - nextRecheck < 0) {
            return null;
        }
        nextRecheck = now + recheckNanos;
        TrustService trustService = trust.get();
        if (trustService == null) {
            return null; // the service is being replaced: the next handshake will need it
        }
        try {
            List<byte[]> ders = new ArrayList<>();
            for (Certificate certificate : ssl.getSession().getPeerCertificates()) {
                ders.add(certificate.getEncoded());
            }
            Verdict verdict = trustService.verify(new TrustRequest(domain, ders, Purpose.SERVER, null, expectedIdentity));
            return verdict.accepted() ? null : refusal(verdict);
        } catch (SSLPeerUnverifiedException | CertificateEncodingException e) {
            return "the device's certificate cannot be read again: " + e.getMessage();
        } catch (RuntimeException e) {
            return "the trust service failed to verify the device again (fail closed): " + e;
        }
    }

    @Override
    public Socket connect(String host, int port, int timeoutMillis) throws IOException {
        GatewayIdentity gateway = identity.get();
        if (gateway == null) {
            throw new IOException("the gateway identity is not available (see palisade:status identity);"
                    + " TLS devices wait for it");
        }
        TrustService trustService = trust.get();
        if (trustService == null) {
            throw new IOException("the trust service is not available; TLS devices wait for it");
        }
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {gateway.keyManager()},
                    new TrustManager[] {trustService.trustManager(domain, expectedIdentity)}, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        Socket plain = PLAIN.connect(host, port, timeoutMillis);
        SSLSocket ssl;
        try {
            ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            List<String> supported = Arrays.asList(ssl.getSupportedProtocols());
            ssl.setEnabledProtocols(Arrays.stream(PROTOCOLS).filter(supported::contains).toArray(String[]::new));
            ssl.setUseClientMode(true);
            ssl.setSoTimeout(timeoutMillis);
            ssl.startHandshake();
            ssl.setSoTimeout(0);
        } catch (IOException e) {
            plain.close();
            RejectedCertificateException rejected = rejection(e);
            if (rejected != null) {
                throw new RefusedPeerException(refusal(rejected.verdict()), e);
            }
            throw new IOException("TLS handshake with " + host + ":" + port + " failed: " + TcpTransport.describe(e), e);
        }
        nextRecheck = System.nanoTime() + recheckNanos;
        try {
            accepted.accept(peer(trustService, ssl.getSession().getPeerCertificates()));
        } catch (IOException e) {
            ssl.close();
            throw e;
        }
        return ssl;
    }

    private PeerIdentity peer(TrustService trustService, Certificate[] presented) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        List<byte[]> ders = new ArrayList<>();
        try {
            for (Certificate certificate : presented) {
                chain.add((X509Certificate) certificate);
                ders.add(certificate.getEncoded());
            }
        } catch (CertificateEncodingException e) {
            throw new IOException("cannot encode the device's certificate: " + e.getMessage(), e);
        }
        // The trust manager accepted this chain; ask again (a cache hit) for the derived identity.
        Verdict verdict = trustService.verify(new TrustRequest(domain, ders, Purpose.SERVER, null, expectedIdentity));
        if (!verdict.accepted()) {
            throw new RefusedPeerException(refusal(verdict), null);
        }
        return new PeerIdentity(chain, verdict.deviceIdentity(), domain, Instant.now(), new byte[0]);
    }

    /**
     * The reason shown on the REFUSED device: the verdict's reason code first, as {@code palisade:verify}
     * names it (the trust service's message alone does not say which rule failed in a word).
     */
    static String refusal(Verdict verdict) {
        return verdict.reason() == null ? verdict.message() : verdict.reason().name() + ": " + verdict.message();
    }

    private static RejectedCertificateException rejection(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RejectedCertificateException rejected) {
                return rejected;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }
}
