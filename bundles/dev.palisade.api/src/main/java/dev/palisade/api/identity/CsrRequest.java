package dev.palisade.api.identity;

import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * What a PKCS#10 certificate signing request should ask for.
 *
 * <p>Subject alternative names use the same {@code type:value} notation as
 * {@code bin/palisade verify --name}: {@code dns:gw-17.plant-a.example},
 * {@code ip:10.0.0.17}, {@code uri:urn:palisade:gw-17}, {@code email:ops@example.com}. The
 * constructor checks the notation; the provider checks the values (an IP literal, a URI) and
 * throws {@link IllegalArgumentException} naming the first bad one.
 *
 * @param subject the requested subject; never {@code null}. The gateway is named by the issued
 *        leaf's subject CN (see {@link GatewayIdentity#gatewayId()}), so it should carry one.
 * @param subjectAltNames the requested SANs in {@code type:value} notation; never
 *        {@code null}, may be empty; copied
 */
public record CsrRequest(X500Principal subject, List<String> subjectAltNames) {

    private static final List<String> SAN_TYPES = List.of("dns:", "ip:", "uri:", "email:");

    /** Validates the fields and copies the list. */
    public CsrRequest {
        Objects.requireNonNull(subject, "subject");
        subjectAltNames = List.copyOf(Objects.requireNonNull(subjectAltNames, "subjectAltNames"));
        for (String san : subjectAltNames) {
            String type = SAN_TYPES.stream().filter(san::startsWith).findFirst().orElse(null);
            if (type == null || san.length() == type.length()) {
                throw new IllegalArgumentException("subject alternative name '" + san
                        + "' is not of the form dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS");
            }
        }
    }
}
