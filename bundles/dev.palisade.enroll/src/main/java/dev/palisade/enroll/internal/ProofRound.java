package dev.palisade.enroll.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.SignatureValue;
import dev.palisade.api.identity.Signer;
import dev.palisade.protocol.enroll.BatchAssembler;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.SignedBytes;
import dev.palisade.protocol.enroll.Signatures;

/**
 * One proof round on the gateway (docs/protocol.md §4.2–4.3): checks the hub's challenges
 * against what was asked, collects every child's proof (relayed signatures in parallel), and
 * signs the batch with one token signature. Blocking; runs on the enrollment bundle's own
 * thread, never on the link's.
 */
final class ProofRound {

    /**
     * @param batch the proof batch to send, or null if no child got as far as a proof
     * @param refusedByHub children the hub refused at the request, with its reason and detail
     * @param failedLocally children whose proof could not be made here (device offline, timeout,
     *        wrong algorithm), with a one-line reason; they stay pending and are retried
     * @param outOfTime whether some children were not proven because their challenge would have
     *        expired first (a slow token): the caller makes smaller batches
     */
    record Outcome(ProofBatch batch, Map<String, Challenges.Entry> refusedByHub, Map<String, String> failedLocally,
            boolean outOfTime) {
    }

    /** Left of a challenge's lifetime for the batch signature, the send and the hub's verification. */
    static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);
    /** The hub's default challenge lifetime and its largest (docs/protocol.md §5.1). */
    private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    private static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

    /** The hub's answer does not fit the request: refuse it whole (a wrong hub id above all). */
    static final class ChallengeMismatch extends Exception {
        private static final long serialVersionUID = 1L;

        ChallengeMismatch(String message) {
            super(message);
        }
    }

    private ProofRound() {
    }

    /**
     * @param expectedHub the hub id this gateway is configured with
     * @param gateway this gateway's id
     * @param challenges the hub's answer to a request for exactly {@code provers}, in order
     * @param provers the children asked for
     * @param gatewayKey the token signer of the gateway's own key
     * @param childTimeout how long a relayed child may take to sign
     */
    static Outcome run(String expectedHub, String gateway, Challenges challenges, List<ChildProver> provers, Signer gatewayKey,
            Duration childTimeout) throws ChallengeMismatch, IdentityException, InterruptedException {
        return run(expectedHub, gateway, challenges, provers, gatewayKey, childTimeout, Clock.systemUTC());
    }

    /**
     * As above, on this clock. A custodial child is signed on the token one by one, on this
     * thread: before each, and before the batch signature, the challenge's {@code expires} is
     * checked (less {@link #EXPIRY_MARGIN}); a child whose challenge would expire first is not
     * signed for (it fails locally, is retried, and {@link Outcome#outOfTime} asks for smaller
     * batches) — a token signature spent on a proof the hub must refuse helps no one.
     */
    static Outcome run(String expectedHub, String gateway, Challenges challenges, List<ChildProver> provers, Signer gatewayKey,
            Duration childTimeout, Clock clock) throws ChallengeMismatch, IdentityException, InterruptedException {
        if (!challenges.hub().equals(expectedHub)) {
            throw new ChallengeMismatch("the hub answered as '" + challenges.hub() + "', this gateway is configured for hub '"
                    + expectedHub + "': proofs are not made for another hub");
        }
        if (!challenges.gateway().equals(gateway)) {
            throw new ChallengeMismatch("the hub answered for gateway '" + challenges.gateway() + "', this is '" + gateway + "'");
        }
        if (challenges.entries().size() != provers.size()) {
            throw new ChallengeMismatch("the hub answered " + challenges.entries().size() + " entries for " + provers.size() + " children");
        }
        Map<String, Challenges.Entry> refused = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        List<CompletableFuture<ProofBatch.ChildProof>> pending = new ArrayList<>();
        List<SignedBytes.Binding> bindings = new ArrayList<>();
        List<ChildProver> proving = new ArrayList<>();
        List<Instant> expiries = new ArrayList<>();
        List<Instant> expiresOnWire = new ArrayList<>();
        boolean outOfTime = false;
        Instant received = clock.instant();
        Duration slowestCustodial = Duration.ZERO; // what the next token signature may take, as far as this round knows
        for (int i = 0; i < provers.size(); i++) {
            ChildProver prover = provers.get(i);
            Challenges.Entry entry = challenges.entries().get(i);
            if (!entry.child().equals(prover.child())) {
                throw new ChallengeMismatch("entry " + i + " of the hub's answer is for '" + entry.child() + "', asked for '"
                        + prover.child() + "'");
            }
            if (entry.refused() != null) {
                refused.put(prover.child(), entry);
                continue;
            }
            boolean custodial = prover.mode() == Mode.CUSTODIAL;
            Instant deadline = localDeadline(entry.expires(), received);
            if (custodial && expiresSoon(deadline, clock, slowestCustodial)) {
                failed.put(prover.child(), expiredDetail(entry.expires()));
                outOfTime = true;
                continue;
            }
            SignedBytes.Binding binding = new SignedBytes.Binding(expectedHub, gateway, entry.nonce(), ChildProver.der(prover.leaf()));
            bindings.add(binding);
            proving.add(prover);
            expiries.add(deadline);
            expiresOnWire.add(entry.expires());
            Instant started = clock.instant();
            pending.add(startProof(prover, binding, entry.enrollment())); // custodial: signed on this thread, now
            if (custodial) {
                Duration took = Duration.between(started, clock.instant());
                slowestCustodial = took.compareTo(slowestCustodial) > 0 ? took : slowestCustodial;
            }
        }
        BatchAssembler assembler = new BatchAssembler(expectedHub, gateway);
        long deadline = System.nanoTime() + childTimeout.toNanos();
        for (int i = 0; i < pending.size(); i++) {
            ChildProver prover = proving.get(i);
            try {
                ProofBatch.ChildProof proof = pending.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (expiresSoon(expiries.get(i), clock, Duration.ZERO)) {
                    failed.put(prover.child(), expiredDetail(expiresOnWire.get(i)));
                    outOfTime = true;
                    continue;
                }
                assembler.add(bindings.get(i), proof);
            } catch (TimeoutException e) {
                pending.get(i).cancel(false);
                failed.put(prover.child(), "the device did not sign within " + childTimeout.toSeconds() + " s");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                failed.put(prover.child(), "no " + prover.mode() + " proof: " + cause.getMessage());
            }
        }
        if (assembler.size() == 0) {
            return new Outcome(null, refused, failed, outOfTime);
        }
        String algorithm = Signatures.algorithmFor(gatewayKey.publicKey()).orElseThrow(() -> new IdentityException(IdentityException.Reason.KEY_TYPE_UNSUPPORTED,
                "the gateway's key is not one the enrollment protocol accepts (EC P-256/P-384, RSA ≥ 2048)"));
        SignatureValue signature = gatewayKey.sign(assembler.statement());
        if (!algorithm.equals(signature.algorithm())) {
            throw new IdentityException(IdentityException.Reason.KEY_TYPE_UNSUPPORTED, "the token signed with " + signature.algorithm() + "; the protocol requires " + algorithm);
        }
        return new Outcome(assembler.assemble(algorithm, signature.value()), refused, failed, outOfTime);
    }

    /**
     * The challenge's expiry on this gateway's clock. The hub's clock decides expiry; the two
     * clocks may disagree, so what counts is the lifetime left when the answer arrived
     * ({@code expires} less the local time then), taken as the hub's default of 60 s when it is
     * not a lifetime the hub can have (≤ 0 or over 10 min: the clocks are skewed).
     */
    private static Instant localDeadline(Instant expires, Instant received) {
        Duration left = Duration.between(received, expires);
        if (left.isNegative() || left.isZero() || left.compareTo(MAX_LIFETIME) > 0) {
            left = DEFAULT_LIFETIME;
        }
        return received.plus(left);
    }

    /** @return whether work taking {@code ahead}, then the margin, would end at or after the (local) expiry */
    private static boolean expiresSoon(Instant expires, Clock clock, Duration ahead) {
        return !clock.instant().plus(ahead).plus(EXPIRY_MARGIN).isBefore(expires);
    }

    private static String expiredDetail(Instant expires) {
        return "the hub's challenge (valid until " + expires + ") would expire before this proof reached it (a slow token);"
                + " retried in a smaller batch";
    }

    private static CompletableFuture<ProofBatch.ChildProof> startProof(ChildProver prover, SignedBytes.Binding binding,
            byte[] enrollment) {
        try {
            return prover.prove(binding, enrollment).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @return whether the hub's reason means "ask again at once" rather than "wait" (§8) */
    static boolean retryAtOnce(Reason reason) {
        return reason == Reason.NONCE_EXPIRED || reason == Reason.NONCE_REPLAYED || reason == Reason.UNKNOWN_ENROLLMENT;
    }
}
