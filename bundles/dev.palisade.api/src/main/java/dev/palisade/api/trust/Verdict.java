package dev.palisade.api.trust;

import java.util.Objects;

/**
 * The answer to a {@link TrustRequest}. Immutable.
 *
 * <p>A rejection's message names the certificate by its index and subject, and the rule that
 * failed, for example {@code "certificate 1 (CN=Plant A Issuing CA): basicConstraints cA is
 * false on a CA certificate"}. It is written for a field engineer asking why a device was refused.
 *
 * @param accepted {@code true} if the chain is trusted for the request
 * @param reason the rule family that failed; {@code null} exactly when {@code accepted}
 * @param certificateIndex the index in the request's chain of the certificate the rejection is
 *        about; the request's chain size for the domain's anchor when it was not in the
 *        request; {@code -1} when accepted or when no single certificate is at fault
 * @param message a one-line explanation; never {@code null} or blank
 * @param deviceIdentity the device's identity, derived by the domain's identity rule from the
 *        leaf's own DER encoding; non-{@code null} exactly when {@code accepted}
 */
public record Verdict(boolean accepted, RejectReason reason, int certificateIndex, String message,
        String deviceIdentity) {

    /** Validates that the fields are consistent. */
    public Verdict {
        Objects.requireNonNull(message, "message");
        if (message.isBlank()) {
            throw new IllegalArgumentException("verdict message is blank");
        }
        if (accepted != (reason == null)) {
            throw new IllegalArgumentException("a verdict has a reason exactly when it rejects");
        }
        if (accepted != (deviceIdentity != null)) {
            throw new IllegalArgumentException("a verdict has a device identity exactly when it accepts");
        }
        if (certificateIndex < -1 || (accepted && certificateIndex != -1)) {
            throw new IllegalArgumentException("bad certificate index " + certificateIndex);
        }
    }

    /**
     * @param deviceIdentity the identity derived from the leaf
     * @param message a one-line summary (anchor used, identity)
     * @return an accepting verdict
     */
    public static Verdict accept(String deviceIdentity, String message) {
        return new Verdict(true, null, -1, message, Objects.requireNonNull(deviceIdentity, "deviceIdentity"));
    }

    /**
     * @param reason the rule family
     * @param certificateIndex the certificate at fault, or {@code -1}
     * @param message the certificate and the rule
     * @return a rejecting verdict
     */
    public static Verdict reject(RejectReason reason, int certificateIndex, String message) {
        return new Verdict(false, Objects.requireNonNull(reason, "reason"), certificateIndex, message, null);
    }
}
