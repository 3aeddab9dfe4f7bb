package dev.palisade.api.deploy;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One bundle of an update set, as its signed manifest declares it. Immutable.
 *
 * @param symbolicName the Bundle-SymbolicName, without directives; never {@code null} or blank
 * @param version the Bundle-Version as written in the bundle; never {@code null} or blank
 * @param sha256 SHA-256 of the bundle jar, 64 lower-case hex digits
 */
public record BundleInfo(String symbolicName, String version, String sha256) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** Validates the fields. */
    public BundleInfo {
        Objects.requireNonNull(symbolicName, "symbolicName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(sha256, "sha256");
        if (symbolicName.isBlank() || version.isBlank()) {
            throw new IllegalArgumentException("bundle needs a symbolic name and a version, got '"
                    + symbolicName + "' '" + version + "'");
        }
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("digest of " + symbolicName + " " + version
                    + " must be 64 lower-case hex digits, got '" + sha256 + "'");
        }
    }
}
