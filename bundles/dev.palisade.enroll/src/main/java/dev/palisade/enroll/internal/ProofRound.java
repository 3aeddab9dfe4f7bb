package dev.palisade.enroll.internal;

import java.time.Duration;
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
     */
    record Outcome(ProofBatch batch, Map<String, Challenges.Entry> refusedByHub, Map<String, String> failedLocally) {
    }

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
            SignedBytes.Binding binding = new SignedBytes.Binding(expectedHub, gateway, entry.nonce(), ChildProver.der(prover.leaf()));
            bindings.add(binding);
            proving.add(prover);
            pending.add(startProof(prover, binding, entry.enrollment()));
        }
        BatchAssembler assembler = new BatchAssembler(expectedHub, gateway);
        long deadline = System.nanoTime() + childTimeout.toNanos();
        for (int i = 0; i < pending.size(); i++) {
            ChildProver prover = proving.get(i);
            try {
                ProofBatch.ChildProof proof = pending.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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
            return new Outcome(null, refused, failed);
        }
        String algorithm = Signatures.algorithmFor(gatewayKey.publicKey()).orElseThrow(() -> new IdentityException(IdentityException.Reason.KEY_TYPE_UNSUPPORTED,
                "the gateway's key is not one the enrollment protocol accepts (EC P-256/P-384, RSA ≥ 2048)"));
        SignatureValue signature = gatewayKey.sign(assembler.statement());
        if (!algorithm.equals(signature.algorithm())) {
            throw new IdentityException(IdentityException.Reason.KEY_TYPE_UNSUPPORTED, "the token signed with " + signature.algorithm() + "; the protocol requires " + algorithm);
        }
        return new Outcome(assembler.assemble(algorithm, signature.value()), refused, failed);
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
