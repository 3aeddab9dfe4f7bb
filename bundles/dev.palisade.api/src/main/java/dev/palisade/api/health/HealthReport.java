package dev.palisade.api.health;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One indicator's answer: a state, a one-line reason a field engineer can act on, and details.
 *
 * <p>Immutable and safe to share between threads. The details map keeps insertion order so
 * that the shell prints them in the order the indicator chose.
 *
 * @param component short, stable name of the part, for example {@code identity} or
 *        {@code upstream}; never {@code null} or blank
 * @param health the state; never {@code null}
 * @param summary one line saying what is wrong and what to do, or what is fine; never
 *        {@code null}, may be empty only when {@code health} is {@link Health#UP}
 * @param details named facts (for example {@code "expires" -> "2027-01-01T00:00:00Z"}); never
 *        {@code null}; values are plain text and must never contain a secret
 * @param checkedAt when the state was determined; never {@code null}
 */
public record HealthReport(String component, Health health, String summary,
        Map<String, String> details, Instant checkedAt) {

    /** Validates the fields and freezes the details. */
    public HealthReport {
        Objects.requireNonNull(component, "component");
        if (component.isBlank()) {
            throw new IllegalArgumentException("component name is blank");
        }
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(checkedAt, "checkedAt");
        details = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(details, "details")));
    }

    /**
     * A report without details, checked now.
     *
     * @param component the part's name
     * @param health its state
     * @param summary the one-line reason
     * @return the report
     */
    public static HealthReport of(String component, Health health, String summary) {
        return new HealthReport(component, health, summary, Map.of(), Instant.now());
    }
}
