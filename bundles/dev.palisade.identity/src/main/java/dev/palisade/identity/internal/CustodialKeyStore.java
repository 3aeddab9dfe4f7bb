package dev.palisade.identity.internal;

import dev.palisade.api.identity.CsrRequest;
import dev.palisade.api.identity.CustodialKeys;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.IdentityException.Reason;
import dev.palisade.api.identity.IdentityInfo;
import dev.palisade.api.identity.KeyType;
import dev.palisade.api.identity.Signer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Children's keys on the gateway's token, each under the alias {@code palisade-child-<id>}
 * with a placeholder certificate until the integrator's CA issued one. Every keystore access
 * goes through the {@link IdentityManager}'s lock; signers of installed keys are kept, so that
 * signing as a child does not read the token's entries again.
 */
final class CustodialKeyStore implements CustodialKeys {

    static final String ALIAS_PREFIX = "palisade-child-";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Logger LOG = LoggerFactory.getLogger(CustodialKeyStore.class);

    private final IdentityManager manager;
    private final Map<String, Signer> signers = new ConcurrentHashMap<>();

    CustodialKeyStore(IdentityManager manager) {
        this.manager = manager;
    }

    @Override
    public String csr(String child, KeyType type) throws IdentityException {
        String alias = alias(child);
        Objects.requireNonNull(type, "type");
        return manager.onKeystore(() -> {
            KeyStoreBackend backend = manager.backend();
            CurrentKey key = CurrentKey.read(backend, alias);
            if (key == null) {
                KeyPair pair = backend.generate(type);
                backend.store(alias, pair.getPrivate(), List.of(Certificates.placeholder(alias, pair.getPublic(),
                        pair.getPrivate(), type, backend.signatureProvider())));
                key = CurrentKey.read(backend, alias);
                if (key == null) {
                    throw new IdentityException(Reason.TOKEN_ERROR, "the key stored under '" + alias + "' in "
                            + backend.describe() + " cannot be read back");
                }
                LOG.info("Generated {} key '{}' for child '{}' in {}", type, alias, child, backend.describe());
            }
            return Certificates.csr(new CsrRequest(new X500Principal("CN=" + child), List.of()), key.leaf().getPublicKey(),
                    key.key(), key.type(), backend.signatureProvider());
        });
    }

    @Override
    public IdentityInfo install(String child, List<X509Certificate> chain) throws IdentityException {
        String alias = alias(child);
        if (chain == null || chain.isEmpty()) {
            throw new IdentityException(Reason.CHAIN_INVALID, "child '" + child + "': the chain is empty");
        }
        X509Certificate leaf = chain.get(0);
        IdentityInfo installed = manager.onKeystore(() -> {
            KeyStoreBackend backend = manager.backend();
            CurrentKey key = CurrentKey.read(backend, alias);
            if (key == null) {
                throw new IdentityException(Reason.NO_KEY, "child '" + child + "' has no key on the token yet: make its CSR"
                        + " first (palisade:children csr " + child + ")");
            }
            if (!key.leaf().getPublicKey().equals(leaf.getPublicKey())) {
                throw new IdentityException(Reason.CHAIN_MISMATCH, "the certificate " + leaf.getSubjectX500Principal().getName()
                        + " is not for the key of child '" + child + "' (was it issued from this child's CSR?)");
            }
            if (!child.equals(Certificates.commonName(leaf.getSubjectX500Principal()))) {
                throw new IdentityException(Reason.CHAIN_MISMATCH, "the certificate's subject " + leaf.getSubjectX500Principal().getName()
                        + " does not have CN=" + child + ", which the hub requires of a child");
            }
            check(child, chain);
            backend.store(alias, key.key(), chain);
            CurrentKey stored = CurrentKey.read(backend, alias);
            if (stored == null || !stored.installed()) {
                throw new IdentityException(Reason.TOKEN_ERROR, "the chain of child '" + child + "' does not read back from "
                        + backend.describe());
            }
            signers.put(child, signerFor(stored));
            LOG.info("Installed the chain of child '{}' (issuer {}, valid until {})", child,
                    stored.info().issuer().getName(), stored.info().notAfter());
            return stored.info();
        });
        return installed;
    }

    @Override
    public Optional<Signer> signer(String child) throws IdentityException {
        String alias = alias(child);
        Signer known = signers.get(child);
        if (known != null) {
            return Optional.of(known);
        }
        return manager.onKeystore(() -> {
            CurrentKey key = CurrentKey.read(manager.backend(), alias);
            if (key == null || !key.installed()) {
                return Optional.empty();
            }
            Signer signer = signerFor(key);
            signers.put(child, signer);
            return Optional.of(signer);
        });
    }

    /** Forgets the cached signers (the token went away or the component stops). */
    void clear() {
        signers.clear();
    }

    private Signer signerFor(CurrentKey key) {
        return new TokenSigner(() -> key, manager.backend()::signatureProvider, manager.keyUse(), lost -> signers.clear());
    }

    private static void check(String child, List<X509Certificate> chain) throws IdentityException {
        try {
            chain.get(0).checkValidity();
            for (int i = 0; i + 1 < chain.size(); i++) {
                chain.get(i).verify(chain.get(i + 1).getPublicKey());
            }
        } catch (GeneralSecurityException e) {
            throw new IdentityException(Reason.CHAIN_INVALID, "the chain of child '" + child + "' does not validate: " + e.getMessage(), e);
        }
    }

    private static String alias(String child) {
        if (child == null || !ID.matcher(child).matches()) {
            throw new IllegalArgumentException("child id '" + child + "' is not an id (1..128 of A-Z a-z 0-9 . _ : -)");
        }
        return ALIAS_PREFIX + child;
    }
}
