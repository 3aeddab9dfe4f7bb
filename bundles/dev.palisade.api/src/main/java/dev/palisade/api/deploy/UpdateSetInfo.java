package dev.palisade.api.deploy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * What an update set contains and who signed it, as read from its verified manifest. Immutable.
 *
 * @param sha256 SHA-256 of the whole update set file, 64 lower-case hex digits; identifies the set
 * @param publisher the subject of the publisher's signing certificate; never {@code null}
 * @param signedAt the signing time the publisher declared, or {@code null} if none
 * @param bundles the bundles of the set in manifest order; never {@code null} or empty
 */
public record UpdateSetInfo(String sha256, X500Principal publisher, Instant signedAt, List<BundleInfo> bundles) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** Validates the fields and copies the list. */
    public UpdateSetInfo {
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(publisher, "publisher");
        bundles = List.copyOf(Objects.requireNonNull(bundles, "bundles"));
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("update set digest must be 64 lower-case hex digits, got '"
                    + sha256 + "'");
        }
        if (bundles.isEmpty()) {
            throw new IllegalArgumentException("update set " + sha256 + " contains no bundle");
        }
    }
}
