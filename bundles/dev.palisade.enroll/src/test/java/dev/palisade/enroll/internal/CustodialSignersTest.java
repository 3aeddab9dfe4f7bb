package dev.palisade.enroll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;

class CustodialSignersTest {

    /** A keystore whose signer for a child is whatever the test says now (a re-login makes a new one). */
    private static final class Keys implements CustodialKeys {
        Signer current;
        int lookups;

        @Override
        public String csr(String child, KeyType type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IdentityInfo install(String child, List<X509Certificate> chain) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Signer> signer(String child) {
            lookups++;
            return Optional.ofNullable(current);
        }
    }

    private static Signer signer() {
        return new Signer() {
            @Override
            public SignatureValue sign(byte[] data) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String algorithm() {
                return "SHA256withECDSA";
            }

            @Override
            public PublicKey publicKey() {
                return null;
            }

            @Override
            public List<X509Certificate> chain() {
                return List.of();
            }
        };
    }

    @Test
    void aSignerReplacedByTheKeystoreAfterATokenLossIsUsedAtOnce() {
        CustodialSigners signers = new CustodialSigners(Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC));
        Keys keys = new Keys();
        keys.current = signer();
        Signer beforeLoss = keys.current;
        assertSame(beforeLoss, signers.lookup(keys, "meter-1"));
        keys.current = signer(); // the token was lost and logged in again: the identity bundle made a new signer
        assertSame(keys.current, signers.lookup(keys, "meter-1"), "the stale signer must not be kept");
    }

    @Test
    void missesAreThrottledAndForgottenWhenTheKeystoreChangesOrOnInstall() {
        CustodialSigners signers = new CustodialSigners(Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC));
        Keys keys = new Keys();
        assertNull(signers.lookup(keys, "meter-1"));
        assertNull(signers.lookup(keys, "meter-1"));
        assertEquals(1, keys.lookups, "a miss is not looked up again within " + CustodialSigners.RECHECK);
        signers.forget("meter-1");
        keys.current = signer();
        assertSame(keys.current, signers.lookup(keys, "meter-1"));

        Keys other = new Keys();
        assertNull(signers.lookup(other, "meter-2"));
        assertNull(signers.lookup(null, "meter-2"), "the keystore went away: no signer");
        other.current = signer();
        assertSame(other.current, signers.lookup(other, "meter-2"), "a rebound keystore is asked again at once");
    }
}
