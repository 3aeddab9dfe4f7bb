package dev.palisade.deploy.internal.set;

import java.security.PublicKey;
import java.util.regex.Pattern;

/**
 * The container of an update set: a ZIP file holding exactly
 * <ul>
 * <li>{@value #MANIFEST} — the canonical {@link SetManifest}, the bytes that are signed;</li>
 * <li>{@value #SIGNATURE} — the signature over those bytes ({@link SetSignature});</li>
 * <li>{@value #CHAIN} — the publisher's certificate then its issuers, PEM;</li>
 * <li>{@code bundles/*.jar} — each bundle the manifest lists, and nothing else.</li>
 * </ul>
 * Described for users in {@code docs/deploy.md}.
 */
public final class UpdateSetFormat {
    /** The manifest entry. */
    public static final String MANIFEST = "palisade-set.mf";
    /** The signature entry. */
    public static final String SIGNATURE = "palisade-set.sig";
    /** The publisher chain entry. */
    public static final String CHAIN = "palisade-set-chain.pem";
    /** Extended key usage id-kp-codeSigning (RFC 5280 4.2.1.12): the only purpose a publisher may sign for. */
    public static final String CODE_SIGNING_EKU = "1.3.6.1.5.5.7.3.3";
    /** The most entries a set may hold, so that a hostile archive cannot exhaust memory before it is refused. */
    static final int MAX_ENTRIES = SetManifest.MAX_BUNDLES + 3;
    /** Largest manifest, signature or chain entry. */
    static final int MAX_META_BYTES = 256 * 1024;
    static final Pattern ENTRY_NAME = Pattern.compile("palisade-set\\.mf|palisade-set\\.sig|palisade-set-chain\\.pem"
            + "|bundles/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\\.jar");

    private UpdateSetFormat() {
    }

    /**
     * @param key the publisher's public key
     * @return the one signature algorithm the format uses for that kind of key
     * @throws IllegalArgumentException for a key type the format does not allow
     */
    static String signatureAlgorithm(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("publisher keys must be EC or RSA, not " + key.getAlgorithm());
        };
    }
}
