package dev.palisade.hub.admin;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CaStatus;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.RegistryException.Reason;
import dev.palisade.pki.Names;
import dev.palisade.pki.PkiFiles;

/**
 * CA registration with proof of possession: upload a CA certificate, receive a random,
 * single-use, expiring verification code, upload a certificate whose subject CN is that code
 * signed with the CA's key; only then is the CA verified and trusted.
 */
public final class CaService {
    /** Clock skew tolerated when checking that a verification certificate was made after its code. */
    static final Duration SKEW = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HubRegistry registry;
    private final Clock clock;
    private final Duration codeValidity;
    private final Audited audited;

    public CaService(HubRegistry registry, Clock clock, Duration codeValidity, String actor) {
        this.registry = registry;
        this.clock = clock;
        this.codeValidity = codeValidity;
        this.audited = new Audited(registry, clock, actor);
    }

    /**
     * Registers a CA as pending and issues its verification code.
     *
     * @param name the name to register it under, or null for its subject CN
     * @return the pending record, with its code
     */
    public CaRecord upload(String name, X509Certificate ca) throws RegistryException {
        String caName = name != null ? name : Names.commonName(ca);
        String target = caName == null ? ca.getSubjectX500Principal().getName() : caName;
        return audited.run("ca upload", target, "subject " + ca.getSubjectX500Principal().getName(), () -> {
            if (caName == null || !DeviceService.ID.matcher(caName).matches()) {
                throw new RegistryException(Reason.REFUSED, "'" + target + "' cannot be a CA name: give --name"
                        + " with letters, digits, '.', '_', ':', '-' (at most 128)");
            }
            if (ca.getBasicConstraints() < 0) {
                throw new RegistryException(Reason.REFUSED, "the certificate " + ca.getSubjectX500Principal().getName()
                        + " is not a CA certificate (basicConstraints CA=true missing)");
            }
            Instant now = clock.instant();
            checkValidity(ca, now, "the CA certificate");
            String code = newCode();
            CaRecord record = new CaRecord(caName, ca.getSubjectX500Principal().getName(), PkiFiles.thumbprint(ca),
                    encoded(ca), CaStatus.PENDING, code, now, now.plus(codeValidity), now, null);
            registry.addCa(record);
            return record;
        });
    }

    /** Issues a fresh verification code for a pending CA (the old one stops working). */
    public CaRecord newCode(String name) throws RegistryException {
        return audited.run("ca code", name, "new verification code issued", () -> {
            CaRecord ca = require(name);
            if (ca.status() != CaStatus.PENDING) {
                throw new RegistryException(Reason.CONFLICT, "CA '" + name + "' is " + label(ca.status())
                        + "; only a pending CA gets a verification code");
            }
            Instant now = clock.instant();
            String code = newCode();
            registry.setVerificationCode(name, code, now, now.plus(codeValidity));
            return require(name);
        });
    }

    /**
     * Checks the proof of possession and marks the CA verified.
     *
     * @throws RegistryException REFUSED naming the check that failed; NOT_FOUND for an unknown CA
     */
    public CaRecord verify(String name, X509Certificate proof) throws RegistryException {
        return audited.run("ca verify", name, "proof of possession accepted", () -> {
            CaRecord ca = require(name);
            Instant now = clock.instant();
            if (ca.status() == CaStatus.VERIFIED) {
                throw new RegistryException(Reason.CONFLICT, "CA '" + name + "' is already verified; its code was "
                        + "used up (a verification certificate is accepted once)");
            }
            if (ca.status() == CaStatus.DISABLED) {
                throw new RegistryException(Reason.REFUSED, "CA '" + name + "' is disabled; remove it and upload it "
                        + "again to register it anew");
            }
            String cn = Names.commonName(proof);
            if (cn == null) {
                throw new RegistryException(Reason.REFUSED, "the verification certificate has no single subject CN; "
                        + "its CN must be CA '" + name + "''s verification code");
            }
            if (ca.code() == null || !constantTimeEquals(cn, ca.code())) {
                if (registry.wasCodeUsed(cn)) {
                    throw new RegistryException(Reason.REFUSED, "the verification certificate's code " + cn
                            + " was already used: a verification certificate is accepted once (replay refused)");
                }
                throw new RegistryException(Reason.REFUSED, "the verification certificate's subject CN '" + cn
                        + "' is not CA '" + name + "''s current verification code (see `palisade-hub ca list`)");
            }
            if (!ca.codeExpires().isAfter(now)) {
                throw new RegistryException(Reason.REFUSED, "CA '" + name + "''s verification code expired at "
                        + ca.codeExpires() + "; get a new one with `palisade-hub ca code " + name + "`");
            }
            X509Certificate caCert = CertificateCodec.decode(ca.certificate(), "CA '" + name + "'");
            try {
                proof.verify(caCert.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new RegistryException(Reason.REFUSED, "the verification certificate is not signed with CA '"
                        + name + "''s private key (proof of possession failed: " + e.getMessage() + ")");
            }
            if (!proof.getIssuerX500Principal().equals(caCert.getSubjectX500Principal())) {
                throw new RegistryException(Reason.REFUSED, "the verification certificate's issuer "
                        + proof.getIssuerX500Principal().getName() + " is not CA '" + name + "' (" + ca.subject() + ")");
            }
            checkValidity(proof, now, "the verification certificate");
            if (proof.getNotBefore().toInstant().isBefore(ca.codeIssued().minus(SKEW))) {
                throw new RegistryException(Reason.REFUSED, "the verification certificate is valid from "
                        + proof.getNotBefore().toInstant() + ", before its code was issued (" + ca.codeIssued()
                        + "): make a fresh one for this code");
            }
            if (!registry.consumeVerificationCode(name, ca.code(), now)) {
                throw new RegistryException(Reason.REFUSED, "CA '" + name + "''s verification code changed or expired "
                        + "while it was being checked; try again with the current code");
            }
            return require(name);
        });
    }

    public List<CaRecord> list() throws RegistryException {
        return registry.listCas();
    }

    public CaRecord disable(String name) throws RegistryException {
        return audited.run("ca disable", name, "disabled", () -> {
            require(name);
            registry.setCaStatus(name, CaStatus.DISABLED);
            return require(name);
        });
    }

    /**
     * Turns a disabled CA back on: it authenticates again, and the relations of children enrolled
     * under it are active again (docs/hub.md). Only a CA that was verified before it was disabled:
     * a CA never verified must prove possession of its key first.
     */
    public CaRecord enable(String name) throws RegistryException {
        return audited.run("ca enable", name, "verified again", () -> {
            CaRecord ca = require(name);
            if (ca.status() != CaStatus.DISABLED) {
                throw new RegistryException(Reason.CONFLICT, "CA '" + name + "' is " + label(ca.status())
                        + ", not disabled; only a disabled CA is enabled");
            }
            if (ca.verified() == null) {
                throw new RegistryException(Reason.REFUSED, "CA '" + name + "' was never verified; remove it and upload"
                        + " it again to prove possession of its key");
            }
            registry.setCaStatus(name, CaStatus.VERIFIED);
            return require(name);
        });
    }

    public void remove(String name) throws RegistryException {
        audited.run("ca remove", name, "removed", () -> {
            if (!registry.removeCa(name)) {
                throw new RegistryException(Reason.NOT_FOUND, "no CA named '" + name + "'");
            }
            return null;
        });
    }

    private CaRecord require(String name) throws RegistryException {
        return registry.findCa(name).orElseThrow(
                () -> new RegistryException(Reason.NOT_FOUND, "no CA named '" + name + "' (see `palisade-hub ca list`)"));
    }

    static String label(CaStatus status) {
        return status.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static void checkValidity(X509Certificate cert, Instant now, String what) throws RegistryException {
        try {
            cert.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new RegistryException(Reason.REFUSED, what + " expired on " + cert.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new RegistryException(Reason.REFUSED, what + " is not valid before "
                    + cert.getNotBefore().toInstant());
        }
    }

    /** 24 random bytes as 48 upper-case hex digits: unguessable, and usable as a CN. */
    private static String newCode() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }

    private static boolean constantTimeEquals(String a, String b) {
        return java.security.MessageDigest.isEqual(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static byte[] encoded(X509Certificate cert) throws RegistryException {
        try {
            return cert.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new RegistryException(Reason.REFUSED, "cannot encode " + cert.getSubjectX500Principal(), e);
        }
    }
}
