package dev.palisade.hub.enroll;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.EnrollmentStore.Consumed;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.protocol.enroll.ChallengeClock;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.ProofVerifier;
import dev.palisade.protocol.enroll.ProtocolException;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Unenroll;
import dev.palisade.protocol.enroll.Wire;

/**
 * The hub's side of enrollment (docs/protocol.md §4): answers a gateway's request, proof and
 * unenroll messages. No broker code: {@code HubExtension} hands it the authenticated gateway id,
 * the session certificate's key and the payload, and publishes what it returns. Thread-safe (its
 * state is the store's); each call blocks on the registry, so it runs off the broker's threads.
 */
public final class EnrollmentService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentService.class);
    /** Used and expired challenges are kept this long, only to name a replay. */
    private static final Duration PURGE_AFTER = Duration.ofDays(1);
    private static final Duration ATTEST_SKEW = Duration.ofMinutes(5);
    /** RFC 9266: the tls-exporter channel binding is 32 bytes. */
    static final int TLS_EXPORTER_BYTES = 32;

    private final String hubId;
    private final ChildChainCheck chains;
    private final EnrollmentStore store;
    private final ChallengeClock challenges;
    private final Duration attestMaxAge;
    private final Clock clock;
    private final ParentCache parents;
    private final HubRegistry registry;
    private final ProofBatchVerifier verifier = new ProofBatchVerifier();

    public EnrollmentService(EnrollmentSettings settings, HubRegistry registry, EnrollmentStore store, ChallengeClock challenges,
            Clock clock) {
        this.hubId = settings.hubId();
        this.attestMaxAge = settings.attestationMaxAge();
        this.chains = new ChildChainCheck(registry, store);
        this.store = store;
        this.registry = registry;
        this.parents = new ParentCache(store, registry, clock);
        this.challenges = challenges;
        this.clock = clock;
    }

    /** @return the hub id every signed byte string binds */
    public String hubId() {
        return hubId;
    }

    /**
     * @param gateway the authenticated gateway
     * @param gatewayChain the session's client certificate chain, leaf first
     * @param suffix the topic below {@code palisade/v1/<gateway>/}, one of the {@code Wire.TOPIC_*}
     * @param payload the request
     * @return the answer to publish, or empty if the suffix is not an enrollment topic
     */
    public Optional<byte[]> handle(String gateway, X509Certificate[] gatewayChain, String suffix, byte[] payload) {
        try {
            return switch (suffix) {
                case Wire.TOPIC_REQUEST -> Optional.of(request(gateway, gatewayChain, EnrollRequest.parse(payload)));
                case Wire.TOPIC_PROOF -> Optional.of(proof(gateway, gatewayChain, ProofBatch.parse(payload)));
                case Wire.TOPIC_REMOVE -> Optional.of(unenroll(gateway, Unenroll.parse(payload)));
                default -> Optional.empty();
            };
        } catch (ProtocolException e) {
            LOG.info("gateway '{}': malformed {} message refused: {}", gateway, suffix, e.getMessage());
            return Optional.of(new ErrorAnswer(Reason.MALFORMED, e.getMessage()).toJson());
        } catch (RegistryException e) {
            LOG.warn("gateway '{}': {} not answered, the registry is unusable: {}", gateway, suffix, e.getMessage());
            return Optional.of(new ErrorAnswer(Reason.UNAVAILABLE, "the hub registry cannot be used; retry later").toJson());
        } catch (RuntimeException e) {
            // A bug or a fault of the platform: still one answer (§2), so the gateway retries
            // instead of waiting on silence; the stack trace is for the hub's operator only.
            LOG.error("gateway '{}': {} failed unexpectedly; answered UNAVAILABLE", gateway, suffix, e);
            return Optional.of(new ErrorAnswer(Reason.UNAVAILABLE, "the hub failed unexpectedly; retry later").toJson());
        }
    }

    /**
     * @return whether {@code gateway} is the enrolled parent of {@code child} (the telemetry rule, §11)
     */
    public boolean isParent(String gateway, String child) throws RegistryException {
        return childTopic(gateway, child).allowed();
    }

    /**
     * The child-topic rule (§11): whether {@code gateway} is the child's parent, and whether the
     * relation is active (its CA verified, its certificate not expired). Blocks on the registry
     * when the answer is not cached.
     */
    public ChildTopicVerdict childTopic(String gateway, String child) throws RegistryException {
        return parents.decide(gateway, child);
    }

    /** {@link #childTopic} without blocking: null if only {@link #childTopic} can tell. */
    public ChildTopicVerdict childTopicCached(String gateway, String child) {
        return parents.cached(gateway, child);
    }

    /**
     * The child-topic rule without blocking, from what is cached (see {@link ParentCache}).
     *
     * @return whether {@code gateway} is the child's parent, or null if only {@link #isParent} can tell
     */
    public Boolean isParentCached(String gateway, String child) {
        ChildTopicVerdict verdict = parents.cached(gateway, child);
        return verdict == null ? null : verdict.allowed();
    }

    private byte[] request(String gateway, X509Certificate[] gatewayChain, EnrollRequest request) throws RegistryException {
        Instant now = clock.instant();
        ChildChainCheck.Snapshot chains = this.chains.snapshot(gatewayChain, now);
        Map<String, String> fixedParents = store.deviceParents();
        List<Challenges.Entry> entries = new ArrayList<>();
        List<EnrollmentStore.Challenge> opened = new ArrayList<>();
        // The chain checks (a PKIX validation each, most of a request's cost) are independent and
        // write nothing: on all cores, like the proof's; the registry's parent lookup stays here.
        List<EnrollRequest.ChildRequest> children = request.children();
        Refusal[] checked = verifier.verifyAll(children.size(), i -> {
            EnrollRequest.ChildRequest child = children.get(i);
            Optional<Refusal> refusal = leafPolicy(child.child(), child.chain(), now);
            if (refusal.isEmpty()) {
                refusal = chains.check(gateway, child.child(), child.mode(), child.chain(), now);
            }
            return refusal.isEmpty() ? fixedParent(fixedParents, gateway, child.child()) : refusal;
        });
        for (int i = 0; i < children.size(); i++) {
            EnrollRequest.ChildRequest child = children.get(i);
            Optional<Refusal> refusal = Optional.ofNullable(checked[i]);
            if (refusal.isEmpty()) {
                Optional<String> parent = store.parentOf(child.child());
                if (parent.isPresent() && !parent.get().equals(gateway)) {
                    refusal = Optional.of(new Refusal(Reason.PARENTED_ELSEWHERE, "'" + child.child()
                            + "' is enrolled under another gateway; it must be unenrolled there first"));
                }
            }
            if (refusal.isPresent()) {
                if (refusal.get().reason() == Reason.UNAVAILABLE) {
                    throw new RegistryException(RegistryException.Reason.UNAVAILABLE, refusal.get().detail());
                }
                LOG.info("gateway '{}': child '{}' refused: {} ({})", gateway, child.child(), refusal.get().reason(), refusal.get().detail());
                entries.add(Challenges.Entry.refusal(child.child(), refusal.get().reason(), refusal.get().detail()));
                continue;
            }
            byte[] enrollment = challenges.enrollmentId();
            byte[] nonce = challenges.nonce();
            Instant expires = challenges.expiry(now);
            opened.add(new EnrollmentStore.Challenge(enrollment, gateway, child.child(), child.mode().toString(), nonce,
                    packChain(child.chain()), expires));
            entries.add(Challenges.Entry.challenge(child.child(), enrollment, nonce, expires));
        }
        // One transaction for the request: the answer goes out only once every challenge is recorded.
        store.openChallenges(opened, now.minus(PURGE_AFTER));
        return new Challenges(hubId, gateway, entries).toJson();
    }

    private byte[] proof(String gateway, X509Certificate[] gatewayChain, ProofBatch batch) throws RegistryException {
        PublicKey gatewayKey = gatewayChain[0].getPublicKey();
        if (!batch.hub().equals(hubId) || !batch.gateway().equals(gateway)) {
            LOG.info("gateway '{}': proof for hub '{}' and gateway '{}' refused", gateway, batch.hub(), batch.gateway());
            return new ErrorAnswer(Reason.MALFORMED, "the proof names hub '" + batch.hub() + "' and gateway '" + batch.gateway()
                    + "'; this is hub '" + hubId + "' and the session is gateway '" + gateway + "'").toJson();
        }
        List<Results.Entry> entries = new ArrayList<>();
        if (!ProofVerifier.gatewaySignatureValid(batch, gatewayKey, EnrollmentCrypto.PROVIDER)) {
            LOG.warn("gateway '{}': the signature over a batch of {} proofs does not verify with its certificate's key",
                    gateway, batch.proofs().size());
            for (ProofBatch.ChildProof p : batch.proofs()) {
                entries.add(Results.Entry.refused(p.child(), Reason.BAD_GATEWAY_SIGNATURE,
                        "the gateway's signature over the batch does not verify with its TLS certificate's key"));
            }
            return new Results(entries).toJson();
        }
        Instant now = clock.instant();
        // One transaction consumes every challenge of the batch, one records every child that
        // passed: two commits per batch whatever its size (consumed first, as before: a proof that
        // fails verification has still used its challenge).
        List<EnrollmentStore.ProofKey> keys = new ArrayList<>();
        for (ProofBatch.ChildProof p : batch.proofs()) {
            keys.add(new EnrollmentStore.ProofKey(p.enrollment(), p.child()));
        }
        List<Consumed> consumed = store.consumeAll(gateway, keys);
        ChildChainCheck.Snapshot chains = this.chains.snapshot(gatewayChain, now);
        Map<String, String> fixedParents = store.deviceParents();
        ChildAnchor anchors = new ChildAnchor(registry.listCas());
        // What each child's relation depends on, found by proveOne (each index written by one thread).
        Terms[] terms = new Terms[batch.proofs().size()];
        // Independent checks without writes, on all cores (ProofBatchVerifier); then, in order, the records.
        Refusal[] refusals = verifier.verifyAll(batch.proofs().size(),
                i -> proveOne(gateway, batch, i, consumed.get(i), chains, now, fixedParents, anchors, terms));
        List<EnrollmentStore.ChildRecord> passed = new ArrayList<>();
        List<Integer> passedAt = new ArrayList<>();
        for (int i = 0; i < batch.proofs().size(); i++) {
            ProofBatch.ChildProof p = batch.proofs().get(i);
            if (refusals[i] == null) {
                byte[] leaf = unpackChain(consumed.get(i).challenge().chain()).get(0);
                passed.add(new EnrollmentStore.ChildRecord(p.child(), gateway, p.mode().toString(), leaf, now, terms[i].ca(),
                        terms[i].notAfter()));
                passedAt.add(i);
            }
        }
        List<Boolean> recorded = store.recordChildren(gateway, passed);
        for (int k = 0; k < passed.size(); k++) {
            parents.invalidate(passed.get(k).child());
            if (!recorded.get(k)) {
                refusals[passedAt.get(k)] = new Refusal(Reason.PARENTED_ELSEWHERE, "'" + passed.get(k).child()
                        + "' was enrolled under another gateway meanwhile");
            }
        }
        int enrolled = 0;
        for (int i = 0; i < batch.proofs().size(); i++) {
            ProofBatch.ChildProof p = batch.proofs().get(i);
            if (refusals[i] == null) {
                // Per child at DEBUG, one summary line per batch at INFO (below); refusals stay at INFO.
                // The operator's record of who speaks for whom: kept at INFO (the profile of a
                // 1,000-child batch did not show it; docs/benchmarks.md, Enrollment batches).
                LOG.info("gateway '{}': child '{}' enrolled ({})", gateway, p.child(), p.mode());
                entries.add(Results.Entry.ok(p.child(), Results.Status.ENROLLED));
                enrolled++;
            } else {
                LOG.info("gateway '{}': child '{}' refused: {} ({})", gateway, p.child(), refusals[i].reason(), refusals[i].detail());
                entries.add(Results.Entry.refused(p.child(), refusals[i].reason(), refusals[i].detail()));
            }
        }
        LOG.info("gateway '{}': proof batch of {} children: {} enrolled, {} refused", gateway, batch.proofs().size(), enrolled,
                batch.proofs().size() - enrolled);
        return new Results(entries).toJson();
    }

    /** Stops the threads that check proof batches (the hub is stopping). */
    @Override
    public void close() {
        verifier.close();
    }

    /** Everything but recording the relation: no registry writes; called from several threads at once. */
    private Optional<Refusal> proveOne(String gateway, ProofBatch batch, int index, Consumed consumed,
            ChildChainCheck.Snapshot chains, Instant now, Map<String, String> fixedParents, ChildAnchor anchors, Terms[] terms) {
        ProofBatch.ChildProof p = batch.proofs().get(index);
        switch (consumed.outcome()) {
            case UNKNOWN:
                return Optional.of(new Refusal(Reason.UNKNOWN_ENROLLMENT, "no challenge with this enrollment id for '"
                        + p.child() + "' of gateway '" + gateway + "'"));
            case ALREADY_USED:
                return Optional.of(new Refusal(Reason.NONCE_REPLAYED, "the challenge for '" + p.child() + "' was already used"));
            default:
                break;
        }
        EnrollmentStore.Challenge ch = consumed.challenge();
        Optional<Reason> fresh = ChallengeClock.judge(ch.expires(), false, now);
        if (fresh.isPresent()) {
            return Optional.of(new Refusal(fresh.get(), "the challenge for '" + p.child() + "' expired at " + ch.expires()));
        }
        List<byte[]> chain = unpackChain(ch.chain());
        List<X509Certificate> certificates; // once, for the child's key, the leaf policy and the chain re-check
        try {
            certificates = ChildChainCheck.decode(chain);
        } catch (CertificateException e) {
            return Optional.of(new Refusal(Reason.CHAIN_INVALID, "the recorded certificate of '" + p.child() + "' does not parse"));
        }
        X509Certificate leaf = certificates.get(0);
        Mode requested = Mode.valueOf(ch.mode().toUpperCase(java.util.Locale.ROOT));
        Optional<Reason> proofRefusal = ProofVerifier.check(batch, index,
                new SignedBytes.Binding(hubId, gateway, ch.nonce(), chain.get(0)), requested, leaf.getPublicKey(),
                EnrollmentCrypto.PROVIDER);
        if (proofRefusal.isPresent()) {
            return Optional.of(new Refusal(proofRefusal.get(), switch (proofRefusal.get()) {
                case MODE_NOT_ALLOWED -> "the proof of '" + p.child() + "' is in mode " + p.mode() + ", the request said " + requested;
                case BAD_GATEWAY_SIGNATURE -> "the proof of '" + p.child() + "' is not under the signed root (inclusion path)";
                default -> "the signature of '" + p.child() + "' does not verify with its certificate's key";
            }));
        }
        if (p.mode() == Mode.ATTEST) {
            Instant at = p.attestation().verifiedAt();
            if (at.isAfter(now.plus(ATTEST_SKEW)) || at.isBefore(now.minus(attestMaxAge))) {
                return Optional.of(new Refusal(Reason.MODE_NOT_ALLOWED, "the attestation of '" + p.child() + "' is from " + at
                        + ", outside the accepted window (" + attestMaxAge + " old at most)"));
            }
            Optional<Refusal> binding = sessionBinding(p.child(), p.attestation());
            if (binding.isPresent()) {
                return binding;
            }
        }
        Optional<Refusal> refusal = LeafPolicy.check(p.child(), leaf, now);
        if (refusal.isEmpty()) {
            refusal = chains.check(gateway, p.child(), requested, chain, certificates, now);
        }
        if (refusal.isEmpty()) {
            refusal = fixedParent(fixedParents, gateway, p.child());
        }
        if (refusal.isEmpty()) {
            terms[index] = new Terms(anchors.of(certificates), leaf.getNotAfter().toInstant());
        }
        return refusal;
    }

    /** What a relation depends on: the verified CA its chain led to (or null), the leaf's notAfter. */
    private record Terms(String ca, Instant notAfter) {
    }

    /** The binding types a hub accepts (docs/protocol.md §5.3); anything else is refused. */
    static Optional<Refusal> sessionBinding(String child, ProofBatch.Attestation attestation) {
        int length = attestation.binding().length;
        return switch (attestation.bindingType()) {
            case "tls-exporter" -> length == TLS_EXPORTER_BYTES ? Optional.empty()
                    : Optional.of(new Refusal(Reason.MODE_NOT_ALLOWED, "the attestation of '" + child + "' has a tls-exporter"
                            + " binding of " + length + " bytes; it is exactly " + TLS_EXPORTER_BYTES + " (RFC 9266)"));
            case "none" -> length == 0 ? Optional.empty()
                    : Optional.of(new Refusal(Reason.MODE_NOT_ALLOWED, "the attestation of '" + child + "' has binding type"
                            + " none with " + length + " bytes of binding; none has an empty binding"));
            default -> Optional.of(new Refusal(Reason.MODE_NOT_ALLOWED, "the attestation of '" + child + "' has binding type '"
                    + attestation.bindingType() + "'; this hub accepts tls-exporter and none"));
        };
    }

    /** The leaf policy at the request: the chain's first certificate, if it parses (else the chain check says so). */
    private static Optional<Refusal> leafPolicy(String child, List<byte[]> chain, Instant now) {
        X509Certificate leaf;
        try {
            leaf = ChildChainCheck.decode(chain.subList(0, 1)).get(0);
        } catch (CertificateException | RuntimeException e) {
            return Optional.empty();
        }
        return LeafPolicy.check(child, leaf, now);
    }

    /** A device registered with {@code --parent} is enrolled only by that gateway. */
    private static Optional<Refusal> fixedParent(Map<String, String> fixedParents, String gateway, String child) {
        String fixed = fixedParents.get(child);
        return fixed == null || fixed.equals(gateway) ? Optional.empty()
                : Optional.of(new Refusal(Reason.NOT_ALLOWED_TO_PARENT, "device '" + child + "' is registered with parent"
                        + " gateway '" + fixed + "' (palisade-hub device add --parent); gateway '" + gateway + "' may not enroll it"));
    }

    private byte[] unenroll(String gateway, Unenroll request) throws RegistryException {
        List<Results.Entry> entries = new ArrayList<>();
        for (String child : request.children()) {
            boolean removed = store.removeChild(gateway, child);
            parents.invalidate(child);
            if (removed) {
                LOG.info("gateway '{}': child '{}' unenrolled", gateway, child);
                entries.add(Results.Entry.ok(child, Results.Status.UNENROLLED));
            } else {
                entries.add(Results.Entry.refused(child, Reason.UNKNOWN_ENROLLMENT, "gateway '" + gateway
                        + "' is not the parent of '" + child + "'"));
            }
        }
        return new Results(entries).toJson();
    }

    static byte[] packChain(List<byte[]> chain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] der : chain) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(der.length).array());
            out.writeBytes(der);
        }
        return out.toByteArray();
    }

    static List<byte[]> unpackChain(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        List<byte[]> chain = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] der = new byte[in.getInt()];
            in.get(der);
            chain.add(der);
        }
        return chain;
    }
}
