package dev.palisade.hub.enroll;

import java.time.Duration;
import java.util.regex.Pattern;

import dev.palisade.protocol.enroll.ChallengeClock;

/**
 * The hub's enrollment settings (docs/protocol.md §5).
 *
 * @param hubId the hub id every signed byte string binds; gateways are configured with it
 * @param challengeLifetime how long a challenge is accepted (1 s .. 10 min)
 * @param attestationMaxAge the oldest TLS handshake an {@code attest} proof may attest
 * @param allowUnenrolledChildren a transition mode, off by default: a gateway may publish under
 *        {@code d/<C>/…} for a child it has not enrolled (logged as a warning per child). For
 *        gateways whose software does not enroll children yet; never for production.
 */
public record EnrollmentSettings(String hubId, Duration challengeLifetime, Duration attestationMaxAge,
        boolean allowUnenrolledChildren) {

    /** The hub id when none is configured. */
    public static final String DEFAULT_HUB_ID = "palisade-hub";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** Validates the id and the durations. */
    public EnrollmentSettings {
        if (hubId == null || !ID.matcher(hubId).matches()) {
            throw new IllegalArgumentException("hub id '" + hubId + "' is not an id (1..128 of A-Z a-z 0-9 . _ : -)");
        }
        if (challengeLifetime.compareTo(Duration.ofSeconds(1)) < 0 || challengeLifetime.compareTo(ChallengeClock.MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("challenge lifetime " + challengeLifetime + " is outside 1 s .. "
                    + ChallengeClock.MAX_LIFETIME);
        }
        if (attestationMaxAge.isNegative() || attestationMaxAge.isZero()) {
            throw new IllegalArgumentException("attestation max age " + attestationMaxAge + " must be positive");
        }
    }

    /** @return the defaults: id {@value #DEFAULT_HUB_ID}, 60 s challenges, attestations up to 24 h old,
     *         child topics only for enrolled children */
    public static EnrollmentSettings defaults() {
        return new EnrollmentSettings(DEFAULT_HUB_ID, ChallengeClock.DEFAULT_LIFETIME, Duration.ofHours(24), false);
    }

    /** @return these settings with another challenge lifetime */
    public EnrollmentSettings withChallengeLifetime(Duration lifetime) {
        return new EnrollmentSettings(hubId, lifetime, attestationMaxAge, allowUnenrolledChildren);
    }

    /** @return these settings with the transition mode for unenrolled children on or off */
    public EnrollmentSettings withUnenrolledChildren(boolean allow) {
        return new EnrollmentSettings(hubId, challengeLifetime, attestationMaxAge, allow);
    }
}
