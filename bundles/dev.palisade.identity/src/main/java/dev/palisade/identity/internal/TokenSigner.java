package dev.palisade.identity.internal;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Signs with the gateway's current key. Thread-safe: each call takes an immutable snapshot of the
 * current key and its own {@link Signature} (SunPKCS11 gives each one its own session from its
 * pool), so concurrent calls proceed as far as the token allows. They share a read lock only so
 * that a rotation can wait for the last signature with the replaced key before destroying it.
 */
final class TokenSigner implements Signer {

    private final Supplier<CurrentKey> current;
    private final Supplier<Provider> provider;
    private final Lock keyUse;
    private final Consumer<IdentityException> tokenLost;
    private final LongAdder signatures = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /**
     * @param current the current key; {@code null} while there is none
     * @param provider the provider holding the key, or {@code null} to let JCA choose
     * @param keyUse held while signing, so that a rotation destroys a replaced key only after its last signature
     * @param tokenLost told when signing failed because the token is gone ({@code TOKEN_ABSENT})
     */
    TokenSigner(Supplier<CurrentKey> current, Supplier<Provider> provider, Lock keyUse,
            Consumer<IdentityException> tokenLost) {
        this.current = current;
        this.provider = provider;
        this.keyUse = keyUse;
        this.tokenLost = tokenLost;
    }

    @Override
    public SignatureValue sign(byte[] data) throws IdentityException {
        Objects.requireNonNull(data, "data");
        return sign(data, true);
    }

    /**
     * Signs a fixed message with the current key, outside the metrics, to find out whether the
     * token still answers: a TLS handshake that fails on a removed token never reaches this
     * class, so the component probes on a schedule and a lost token is reported (and looked for
     * again) even when nobody signs through this service.
     *
     * @throws IdentityException as {@link #sign(byte[])}; {@code TOKEN_ABSENT} has already been reported
     */
    void probe() throws IdentityException {
        sign(PROBE, false);
    }

    private static final byte[] PROBE = "palisade token liveness probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private SignatureValue sign(byte[] data, boolean counted) throws IdentityException {
        keyUse.lock();
        try {
            return sign(usable(), data, counted);
        } finally {
            keyUse.unlock();
        }
    }

    private SignatureValue sign(CurrentKey key, byte[] data, boolean counted) throws IdentityException {
        String algorithm = key.type().signatureAlgorithm();
        long start = System.nanoTime();
        try {
            Provider holder = provider.get();
            Signature signature = holder != null ? Signature.getInstance(algorithm, holder) : Signature.getInstance(algorithm);
            signature.initSign(key.key());
            signature.update(data);
            byte[] value = signature.sign();
            if (counted) {
                signatures.increment();
            }
            return new SignatureValue(algorithm, value, key.leaf());
        } catch (GeneralSecurityException | ProviderException e) {
            if (counted) {
                failures.increment();
            }
            IdentityException mapped = TokenErrors.map("signing with key '" + key.alias() + "'", e);
            if (mapped.reason() == Reason.TOKEN_ABSENT) {
                tokenLost.accept(mapped);
            }
            throw mapped;
        } finally {
            if (counted) {
                nanos.add(System.nanoTime() - start);
            }
        }
    }

    @Override
    public String algorithm() {
        CurrentKey key = current.get();
        return key != null ? key.type().signatureAlgorithm() : "unavailable";
    }

    @Override
    public PublicKey publicKey() {
        CurrentKey key = current.get();
        if (key == null) {
            throw new IllegalStateException("the gateway identity is unavailable");
        }
        return key.leaf().getPublicKey();
    }

    @Override
    public List<X509Certificate> chain() {
        CurrentKey key = current.get();
        if (key == null) {
            throw new IllegalStateException("the gateway identity is unavailable");
        }
        return key.chain();
    }

    /** @return signatures made, failures, and mean latency in microseconds, for the health report */
    String metrics() {
        long made = signatures.sum();
        long failed = failures.sum();
        long total = made + failed;
        return made + " signed, " + failed + " failed" + (total > 0 ? ", mean " + nanos.sum() / total / 1_000 + " µs" : "");
    }

    private CurrentKey usable() throws IdentityException {
        CurrentKey key = current.get();
        if (key == null || !key.installed()) {
            throw new IdentityException(Reason.TOKEN_ABSENT, "the gateway identity is unavailable"
                    + " (see palisade:status for the reason)");
        }
        return key;
    }
}
