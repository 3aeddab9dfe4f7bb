package dev.palisade.trust.internal;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a domain's typed configuration and its PEM files into a {@link DomainState}. Never throws
 * for a bad file or value: the result is then a DOWN state whose reason names the file or key and
 * the problem, so that the domain stays routable and rejects everything (fail closed) instead of
 * disappearing.
 */
final class DomainLoader {

    private static final Map<String, String> EKU_NAMES = Map.of(
            "clientauth", "1.3.6.1.5.5.7.3.2", "serverauth", "1.3.6.1.5.5.7.3.1");

    private DomainLoader() {
    }

    /** The domain's configuration, decoupled from the annotation so tests and the loader share it. */
    static DomainState load(TrustDomainComponent.Config config, Path etc, Instant now) {
        String name = config.name().strip();
        List<Path> anchorFiles = paths(config.anchors(), etc);
        List<Path> poolFiles = paths(config.intermediates(), etc);
        List<Path> crlFiles = paths(config.crls(), etc);
        // Stamps are taken before reading: a file changing while it is read is seen as changed next time.
        Map<Path, DomainState.Stamp> stamps = new HashMap<>();
        for (List<Path> files : List.of(anchorFiles, poolFiles, crlFiles)) {
            files.forEach(f -> stamps.put(f, stamp(f)));
        }
        RevocationPolicy revocation;
        Duration grace = Duration.ofSeconds(Math.max(0, config.revocation_grace_seconds()));
        int depth = Math.max(1, Math.min(config.max_depth(), DomainPolicy.MAX_DEPTH));
        DomainPolicy policy;
        try {
            revocation = revocation(config.revocation());
            policy = policy(config, revocation, grace);
        } catch (IllegalArgumentException e) {
            return down(name, RejectReason.INTERNAL, "invalid configuration: " + e.getMessage(), RevocationPolicy.OFF,
                    grace, depth, now, stamps);
        }
        if (anchorFiles.isEmpty()) {
            return down(name, RejectReason.NO_PATH, "no anchor file configured (key 'anchors')", revocation, grace,
                    depth, now, stamps);
        }
        List<Cert> anchors = new ArrayList<>();
        List<Cert> pool = new ArrayList<>();
        List<Crl> crls = new ArrayList<>();
        List<X509Certificate> platform = new ArrayList<>();
        try {
            for (Path file : anchorFiles) {
                anchors.addAll(certificates(file, "anchor"));
            }
            for (Path file : poolFiles) {
                pool.addAll(certificates(file, "intermediate"));
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Cert anchor : anchors) {
                platform.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(anchor.der)));
            }
        } catch (IOException | CertificateException e) {
            return down(name, RejectReason.NO_PATH, e.getMessage(), revocation, grace, depth, now, stamps);
        }
        try {
            for (Path file : crlFiles) {
                int index = 0;
                for (byte[] der : Pem.read(file, "X509 CRL")) {
                    index++;
                    try {
                        crls.add(Crl.parse(der, file.getFileName().toString(), now));
                    } catch (MalformedException e) {
                        throw new IOException(file + ": CRL " + index + " is malformed: " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            // The anchors did load: the snapshot still shows them, so that the operator sees which CA is affected.
            return new DomainState(name, null, null, platform, RejectReason.REVOCATION_UNKNOWN, e.getMessage(), revocation,
                    grace, depth, now, stamps);
        }
        // Revocation without CRL files is valid: CRLs may come from distribution points. Until one
        // is held, chains under that issuer are refused (REVOCATION_UNKNOWN): still fail closed.
        return new DomainState(name, policy, new TrustMaterial(anchors, pool, crls), platform, null, null, revocation,
                grace, depth, now, stamps);
    }

    private static List<Cert> certificates(Path file, String role) throws IOException {
        List<Cert> out = new ArrayList<>();
        int index = 0;
        for (byte[] der : Pem.read(file, "CERTIFICATE")) {
            index++;
            try {
                out.add(Cert.parse(der, -1));
            } catch (MalformedException e) {
                throw new IOException(role + " file " + file + ": certificate " + index + " is malformed: " + e.getMessage());
            }
        }
        return out;
    }

    private static DomainState down(String name, RejectReason reason, String why, RevocationPolicy revocation,
            Duration grace, int depth, Instant now, Map<Path, DomainState.Stamp> stamps) {
        return new DomainState(name, null, null, List.of(), reason, why, revocation, grace, depth, now, stamps);
    }

    static DomainState.Stamp stamp(Path file) {
        try {
            return new DomainState.Stamp(Files.getLastModifiedTime(file).toMillis(), Files.size(file));
        } catch (IOException e) {
            // Missing or unreadable is a state of its own: its appearance is a change.
            return DomainState.Stamp.MISSING;
        }
    }

    static boolean changed(DomainState state) {
        for (Map.Entry<Path, DomainState.Stamp> entry : state.stamps().entrySet()) {
            if (!stamp(entry.getKey()).equals(entry.getValue())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Multi-valued keys may arrive as one comma-separated string (a .cfg file holds strings) or as
     * an array; both are accepted.
     */
    static List<String> values(String[] configured) {
        Set<String> out = new LinkedHashSet<>();
        if (configured != null) {
            for (String value : configured) {
                for (String part : value.split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<Path> paths(String[] configured, Path etc) {
        return values(configured).stream().map(etc::resolve).map(Path::normalize).toList();
    }

    static RevocationPolicy revocation(String value) {
        switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "none":
                return RevocationPolicy.OFF;
            case "crl-fail-closed":
                return RevocationPolicy.FAIL_CLOSED;
            case "crl-grace":
                return RevocationPolicy.GRACE_PERIOD;
            default:
                throw new IllegalArgumentException("revocation '" + value + "' is not none, crl-fail-closed or crl-grace");
        }
    }

    private static DomainPolicy policy(TrustDomainComponent.Config c, RevocationPolicy revocation, Duration grace) {
        Set<String> keys = Set.copyOf(values(c.key_types()));
        for (String key : keys) {
            if (!Set.of("ec-p256", "ec-p384", "ec-p521", "rsa", "ed25519").contains(key)) {
                throw new IllegalArgumentException("key type '" + key + "' in 'key.types' is not ec-p256, ec-p384,"
                        + " ec-p521, rsa or ed25519");
            }
        }
        if (c.revocation_grace_seconds() < 0 || c.clock_skew_seconds() < 0) {
            throw new IllegalArgumentException("'revocation.grace.seconds' and 'clock.skew.seconds' must not be negative");
        }
        if (c.max_depth() < 1 || c.max_depth() > DomainPolicy.MAX_DEPTH) {
            throw new IllegalArgumentException("'max.depth' " + c.max_depth() + " is outside 1.." + DomainPolicy.MAX_DEPTH);
        }
        return new DomainPolicy(keys, c.rsa_min_bits(), Set.copyOf(values(c.signature_algorithms())),
                ekus(c.eku_client(), "eku.client"), ekus(c.eku_server(), "eku.server"), c.max_depth(),
                Duration.ofSeconds(c.clock_skew_seconds()), identity(c.identity_rule(), c.identity_uri_prefix()),
                revocation, revocation == RevocationPolicy.GRACE_PERIOD ? grace : Duration.ZERO);
    }

    static List<String> ekus(String[] configured, String key) {
        List<String> out = new ArrayList<>();
        for (String value : values(configured)) {
            String oid = EKU_NAMES.getOrDefault(value.toLowerCase(Locale.ROOT), value);
            if (!oid.matches("[0-2](\\.\\d+)+")) {
                throw new IllegalArgumentException("'" + key + "' value '" + value + "' is not clientAuth, serverAuth or an OID");
            }
            out.add(oid);
        }
        return out;
    }

    static IdentityRule identity(String rule, String uriPrefix) {
        switch (rule == null ? "" : rule.strip().toLowerCase(Locale.ROOT)) {
            case "subject-cn":
                return IdentityRule.SUBJECT_CN;
            case "san-uri":
                return new IdentityRule(IdentityRule.Source.SAN_URI, uriPrefix);
            case "san-dns":
                return new IdentityRule(IdentityRule.Source.SAN_DNS, "");
            default:
                throw new IllegalArgumentException("'identity.rule' '" + rule + "' is not subject-cn, san-uri or san-dns");
        }
    }
}
