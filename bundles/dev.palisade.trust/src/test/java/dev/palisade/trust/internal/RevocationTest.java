package dev.palisade.trust.internal;

import static dev.palisade.trust.internal.TestPki.intermediate;
import static dev.palisade.trust.internal.TestPki.leaf;
import static dev.palisade.trust.internal.TestPki.root;

import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/** Revocation from CRL files: revoked, current, stale (fail closed or grace), issuer without cRLSign. */
class RevocationTest extends VerifierFixture {

    private final TestPki.Issued root = root("Root").issue();
    private final TestPki.Issued ca = intermediate("Issuing CA", root).issue();
    private final TestPki.Issued device;
    private final BigInteger serial = BigInteger.valueOf(777_777);

    RevocationTest() {
        TestPki.Spec spec = leaf("device-1", ca);
        spec.serial = serial;
        device = spec.issue();
    }

    private ChainVerifier with(RevocationPolicy policy, Duration grace, byte[]... crls) {
        return verifier(DomainPolicy.defaults().withRevocation(policy, grace), List.of(root), List.of(), List.of(crls));
    }

    private final Instant before = TestPki.NOW.minus(Duration.ofDays(1));
    private final Instant after = TestPki.NOW.plus(Duration.ofDays(1));

    @Test
    void currentCrlsAcceptAndRevokedIsRejected() {
        byte[] rootCrl = TestPki.crl(root, before, after);
        accepted(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, rootCrl, TestPki.crl(ca, before, after)), device, ca));
        rejected(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, rootCrl, TestPki.crl(ca, before, after, serial)),
                device, ca), RejectReason.REVOKED, 0);
    }

    @Test
    void missingCrlFailsClosed() {
        rejected(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, TestPki.crl(root, before, after)), device, ca),
                RejectReason.REVOCATION_UNKNOWN, 0);
        accepted(run(with(RevocationPolicy.OFF, Duration.ZERO), device, ca));
    }

    @Test
    void staleCrlFailsClosedOrIsUsedWithinGrace() {
        Instant stale = TestPki.NOW.minus(Duration.ofHours(1));
        byte[] rootCrl = TestPki.crl(root, before, after);
        byte[] caCrl = TestPki.crl(ca, before.minus(Duration.ofDays(1)), stale);
        rejected(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, rootCrl, caCrl), device, ca),
                RejectReason.REVOCATION_UNKNOWN, 0);
        accepted(run(with(RevocationPolicy.GRACE_PERIOD, Duration.ofHours(2), rootCrl, caCrl), device, ca));
        rejected(run(with(RevocationPolicy.GRACE_PERIOD, Duration.ofMinutes(30), rootCrl, caCrl), device, ca),
                RejectReason.REVOCATION_UNKNOWN, 0);
    }

    @Test
    void crlIssuerWithoutCrlSignMakesRevocationUnknown() {
        TestPki.Spec spec = intermediate("Issuing CA", root);
        spec.keyUsage = KeyUsage.keyCertSign;
        TestPki.Issued noCrlSign = spec.issue();
        TestPki.Issued d = leaf("device-1", noCrlSign).issue();
        rejected(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, TestPki.crl(root, before, after),
                TestPki.crl(noCrlSign, before, after)), d, noCrlSign), RejectReason.REVOCATION_UNKNOWN, 0);
    }

    @Test
    void crlSignedByAnotherKeyIsNotUsed() {
        TestPki.Issued impostor = intermediate("Issuing CA", root).issue();
        rejected(run(with(RevocationPolicy.FAIL_CLOSED, Duration.ZERO, TestPki.crl(root, before, after),
                TestPki.crl(new TestPki.Issued(ca.der(), impostor.keys(), ca.subject(), ca.ski()), before, after)),
                device, ca), RejectReason.REVOCATION_UNKNOWN, 0);
    }
}
