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
 * @param maxMessagesInFlight the most enrollment messages (request, proof, remove) the hub works on
 *        at once, all gateways together (1 .. 10,000); one more is answered {@code UNAVAILABLE}
 *        with a retry hint (docs/protocol.md §4.5). Each gateway has at most one in flight whatever this is.
 */
public record EnrollmentSettings(String hubId, Duration challengeLifetime, Duration attestationMaxAge,
        boolean allowUnenrolledChildren, int maxMessagesInFlight) {

    /**
     * The default bound of enrollment messages in flight: four per core, at least 8. A message's
     * work is CPU (signatures, PKIX) and one or two disk syncs, so more than a few per core only
     * queues; each holds at most one MQTT packet (the broker's limit) of input.
     */
    public static final int DEFAULT_MAX_IN_FLIGHT = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    /** The settings with the default bound of messages in flight. */
    public EnrollmentSettings(String hubId, Duration challengeLifetime, Duration attestationMaxAge,
            boolean allowUnenrolledChildren) {
        this(hubId, challengeLifetime, attestationMaxAge, allowUnenrolledChildren, DEFAULT_MAX_IN_FLIGHT);
    }

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
        if (maxMessagesInFlight < 1 || maxMessagesInFlight > 10_000) {
            throw new IllegalArgumentException("enrollment messages in flight " + maxMessagesInFlight + " is outside 1 .. 10000");
        }
    }

    /** @return the defaults: id {@value #DEFAULT_HUB_ID}, 60 s challenges, attestations up to 24 h old,
     *         child topics only for enrolled children */
    public static EnrollmentSettings defaults() {
        return new EnrollmentSettings(DEFAULT_HUB_ID, ChallengeClock.DEFAULT_LIFETIME, Duration.ofHours(24), false);
    }

    /** @return these settings with another challenge lifetime */
    public EnrollmentSettings withChallengeLifetime(Duration lifetime) {
        return new EnrollmentSettings(hubId, lifetime, attestationMaxAge, allowUnenrolledChildren, maxMessagesInFlight);
    }

    /** @return these settings with the transition mode for unenrolled children on or off */
    public EnrollmentSettings withUnenrolledChildren(boolean allow) {
        return new EnrollmentSettings(hubId, challengeLifetime, attestationMaxAge, allow, maxMessagesInFlight);
    }

    /** @return these settings with another bound of enrollment messages in flight (all gateways) */
    public EnrollmentSettings withMaxMessagesInFlight(int max) {
        return new EnrollmentSettings(hubId, challengeLifetime, attestationMaxAge, allowUnenrolledChildren, max);
    }
}
