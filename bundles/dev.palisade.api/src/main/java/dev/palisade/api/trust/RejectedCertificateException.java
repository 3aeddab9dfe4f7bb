package dev.palisade.api.trust;

import java.security.cert.CertificateException;
import java.util.Objects;

/**
 * Thrown by the trust managers of {@link TrustService#trustManager} when a peer's chain is
 * rejected, carrying the verdict. JSSE wraps it in an {@link javax.net.ssl.SSLHandshakeException};
 * a bus bundle finds it in the cause chain and reports the device as refused with
 * {@link #verdict()}'s message.
 */
public class RejectedCertificateException extends CertificateException {

    private static final long serialVersionUID = 1L;

    private final transient Verdict verdict;

    /**
     * @param verdict the rejecting verdict; never {@code null}
     */
    public RejectedCertificateException(Verdict verdict) {
        super(Objects.requireNonNull(verdict, "verdict").message());
        if (verdict.accepted()) {
            throw new IllegalArgumentException("an accepting verdict is not a rejection");
        }
        this.verdict = verdict;
    }

    /** @return the rejecting verdict; {@code null} only after Java deserialisation */
    public Verdict verdict() {
        return verdict;
    }
}
