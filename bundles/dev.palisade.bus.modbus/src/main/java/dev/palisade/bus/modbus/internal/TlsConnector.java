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
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Modbus/TCP Security (MB-TCP-Security v21): mutual TLS 1.2/1.3 with the MBAP ADU unchanged
 * inside. The gateway presents its own certificate through the identity service's key manager
 * (the key stays on the token); the device's chain is verified by the trust service in the
 * device's trust domain, with the domain's identity rule matched against the configured
 * identity — which takes the place of a host-name check. A refusal carries the trust service's
 * verdict message.
 *
 * <p>TLS runs in Bouncy Castle's TLS API ({@link GatewayTlsClient}), the token key used through
 * JCA: it exports keying material, which no JSSE provider does on Java 17, so the proven
 * {@link PeerIdentity} carries the session binding (RFC 9266 {@code tls-exporter}, 32 bytes) that
 * the enrollment's {@code attest} mode attests (docs/protocol.md §5.3).
 */
final class TlsConnector implements Connector {

    private static final Logger LOG = LoggerFactory.getLogger(TlsConnector.class);
    /**
     * Unpinned JCA crypto: every algorithm from the JVM's provider list, so the token key's
     * signature reaches SunPKCS11 through JCA's delayed provider selection (pinned to one
     * provider, it could not use a token key: shared/research/pkcs11-tls.md §4).
     */
    private static final JcaTlsCryptoProvider CRYPTO = new JcaTlsCryptoProvider();

    private final Supplier<GatewayIdentity> identity;
    private final Supplier<TrustService> trust;
    private final String domain;
    private final String expectedIdentity;
    private final Consumer<PeerIdentity> accepted;
    private final long recheckNanos;
    private final long reverifyNanos;
    private final LongSupplier nanos;
    /** When the open connection's peer is next verified again (nanos). */
    private volatile long nextRecheck;
    /** When the open connection's handshake was verified (nanos). */
    private volatile long verifiedNanos;
    /** How long open sessions run on while the trust service is absent (being replaced): then they close. */
    static final Duration TRUST_ABSENT_GRACE = Duration.ofSeconds(10);
    /** Since when the trust service has been absent at a recheck (nanos); meaningful while {@link #trustAbsent}. */
    private volatile long trustAbsentSince;
    private volatile boolean trustAbsent;

    TlsConnector(Supplier<GatewayIdentity> identity, Supplier<TrustService> trust, String domain,
            String expectedIdentity, Consumer<PeerIdentity> accepted) {
        this(identity, trust, domain, expectedIdentity, accepted, Duration.ofHours(23), System::nanoTime);
    }

    /**
     * @param reverify how old a session's handshake may get before {@link #stale} asks for a new one
     * @param nanos the monotonic clock ({@code System::nanoTime}; a test's own)
     */
    TlsConnector(Supplier<GatewayIdentity> identity, Supplier<TrustService> trust, String domain,
            String expectedIdentity, Consumer<PeerIdentity> accepted, Duration reverify, LongSupplier nanos) {
        this.identity = identity;
        this.trust = trust;
        this.domain = domain;
        this.expectedIdentity = expectedIdentity;
        this.accepted = accepted;
        this.recheckNanos = TimeUnit.SECONDS.toNanos(1);
        this.reverifyNanos = reverify.toNanos();
        this.nanos = nanos;
    }

    /**
     * A session whose handshake is older than the re-handshake age: what the device proved then
     * (the {@link PeerIdentity} and its {@code verifiedAt}, which attest enrollment signs) is
     * renewed by a new handshake rather than attested ever older — the hub refuses attestations
     * of handshakes older than its limit.
     */
    @Override
    public boolean stale(Socket socket) {
        return socket instanceof TlsSocket && nanos.getAsLong() - verifiedNanos > reverifyNanos;
    }

    /**
     * At most once a second: the trust service again on the chain the open connection's peer
     * presented. A cached verdict makes that cheap, and the deny-list is applied on every request.
     */
    @Override
    public String refusal(Socket socket) {
        long now = nanos.getAsLong();
        if (!(socket instanceof TlsSocket tls) || now - nextRecheck < 0) {
            return null;
        }
        nextRecheck = now + recheckNanos;
        TrustService trustService = trust.get();
        if (trustService == null) {
            // Being replaced (an update): open sessions may run on for a short grace, not for the whole gap —
            // a deny-list entry or a revocation made meanwhile would otherwise go unchecked (fail closed).
            if (!trustAbsent) {
                trustAbsent = true;
                trustAbsentSince = now;
                return null;
            }
            long absentNanos = now - trustAbsentSince;
            return absentNanos <= TRUST_ABSENT_GRACE.toNanos() ? null
                    : "the trust service has been unavailable for " + TimeUnit.NANOSECONDS.toSeconds(absentNanos)
                            + " s; the device cannot be verified again (fail closed)";
        }
        trustAbsent = false;
        try {
            Verdict verdict = trustService.verify(new TrustRequest(domain, der(tls.peerChain()), Purpose.SERVER, null,
                    expectedIdentity));
            return verdict.accepted() ? null : refusal(verdict);
        } catch (CertificateEncodingException e) {
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
        GatewayTlsClient client = new GatewayTlsClient(CRYPTO.create(new SecureRandom()), gateway.keyManager(),
                trustService.trustManager(domain, expectedIdentity));
        Socket plain = PLAIN.connect(host, port, timeoutMillis);
        TlsClientProtocol protocol;
        HandshakeDeadline deadline = null;
        try {
            plain.setSoTimeout(timeoutMillis);
            // The whole handshake within the timeout, not only each read: a peer trickling a byte now and then
            // would otherwise hold the device's connection thread for as long as it likes.
            deadline = new HandshakeDeadline(plain, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
            protocol = new TlsClientProtocol(deadline, plain.getOutputStream());
            protocol.connect(client);
            deadline.disarm();
            plain.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            plain.close();
            RejectedCertificateException rejected = client.rejection();
            if (rejected != null) {
                throw new RefusedPeerException(refusal(rejected.verdict()), e);
            }
            throw new IOException("TLS handshake with " + host + ":" + port + " failed: "
                    + (e instanceof IOException io ? TcpTransport.describe(io) : e.toString()), e);
        }
        long handshakeDone = nanos.getAsLong();
        nextRecheck = handshakeDone + recheckNanos;
        verifiedNanos = handshakeDone;
        byte[] binding = client.binding();
        if (binding.length == 0) {
            LOG.warn("Modbus/TCP Security session with {}:{} ({}) offers no keying-material exporter ({}): the device's"
                    + " proven identity has no session binding", host, port, client.protocol(), client.bindingProblem());
        }
        TlsSocket socket = new TlsSocket(plain, protocol, client.peerChain(), "tls://" + host + ":" + port);
        boolean handedOut = false;
        try {
            accepted.accept(peer(trustService, client.peerChain(), binding));
            handedOut = true;
        } catch (RuntimeException e) {
            throw new IOException("the trust service failed to verify the device (fail closed): " + e, e);
        } finally {
            if (!handedOut) {
                socket.close(); // never leak the connection, whatever the trust service or the listener threw
            }
        }
        return socket;
    }

    /**
     * The socket's input during the handshake: each read waits at most until the handshake's
     * deadline (the socket timeout is set to what is left), and none starts after it.
     */
    private static final class HandshakeDeadline extends java.io.FilterInputStream {
        private final Socket socket;
        private final long deadlineNanos;
        private volatile boolean armed = true;

        HandshakeDeadline(Socket socket, long deadlineNanos) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
            this.deadlineNanos = deadlineNanos;
        }

        void disarm() {
            armed = false;
        }

        private void beforeRead() throws IOException {
            if (!armed) {
                return;
            }
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new java.net.SocketTimeoutException("the TLS handshake did not complete within its timeout");
            }
            socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }

        @Override
        public int read() throws IOException {
            beforeRead();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            beforeRead();
            return super.read(b, off, len);
        }
    }

    private static List<byte[]> der(List<X509Certificate> chain) throws CertificateEncodingException {
        List<byte[]> ders = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            ders.add(certificate.getEncoded());
        }
        return ders;
    }

    private PeerIdentity peer(TrustService trustService, List<X509Certificate> chain, byte[] binding) throws IOException {
        List<byte[]> ders;
        try {
            ders = der(chain);
        } catch (CertificateEncodingException e) {
            throw new IOException("cannot encode the device's certificate: " + e.getMessage(), e);
        }
        // The trust manager accepted this chain; ask again (a cache hit) for the derived identity.
        Verdict verdict = trustService.verify(new TrustRequest(domain, ders, Purpose.SERVER, null, expectedIdentity));
        if (!verdict.accepted()) {
            throw new RefusedPeerException(refusal(verdict), null);
        }
        return new PeerIdentity(chain, verdict.deviceIdentity(), domain, Instant.now(), binding);
    }

    /**
     * The reason shown on the REFUSED device: the verdict's reason code first, as {@code palisade:verify}
     * names it (the trust service's message alone does not say which rule failed in a word).
     */
    static String refusal(Verdict verdict) {
        return verdict.reason() == null ? verdict.message() : verdict.reason().name() + ": " + verdict.message();
    }
}
