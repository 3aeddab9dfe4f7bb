package dev.palisade.enroll.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.palisade.api.bus.ChildSigner;
import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.enroll.ProofMode;
import dev.palisade.api.identity.IdentityException;
import dev.palisade.api.identity.Signer;
import dev.palisade.api.upstream.HubLink;
import dev.palisade.protocol.enroll.Challenges;
import dev.palisade.protocol.enroll.EnrollRequest;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Mode;
import dev.palisade.protocol.enroll.ProofBatch;
import dev.palisade.protocol.enroll.ProtocolException;
import dev.palisade.protocol.enroll.Reason;
import dev.palisade.protocol.enroll.Results;
import dev.palisade.protocol.enroll.Unenroll;

/**
 * The exchanges with the hub (docs/protocol.md §4): request → challenges → proofs under one
 * token signature → results, and unenroll → results. Blocking, on the enrollment thread: the
 * link's stages are awaited here, never continued on the link's threads.
 */
final class HubRounds {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HubRounds.class);

    static final String REQUEST = "enroll/request";
    static final String PROOF = "enroll/proof";
    static final String REMOVE = "enroll/remove";

    /** The round could not go on; every child of it stays pending with this reason. */
    private static final class RoundFailure extends Exception {
        private static final long serialVersionUID = 1L;

        RoundFailure(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final Enroller enroller;

    HubRounds(Settings settings, Enroller enroller) {
        this.settings = settings;
        this.enroller = enroller;
    }

    /**
     * Custodial children per batch: each costs a token signature made one by one while the
     * challenges run out (60 s). Starts at the batch size, halves after a round whose challenges
     * would have expired before all its custodial children were signed, doubles back after a
     * round that made it.
     */
    private int custodialBudget = Settings.MAX_BATCH;

    int custodialBudget() {
        return Math.min(custodialBudget, settings.batchSize());
    }

    /** Splits due children into batches of at most batch.size, each with at most {@link #custodialBudget} custodial ones. */
    List<List<ChildRecord>> batches(List<ChildRecord> due) {
        List<List<ChildRecord>> batches = new ArrayList<>();
        List<ChildRecord> current = new ArrayList<>();
        int custodial = 0;
        for (ChildRecord r : due) {
            boolean isCustodial = r.mode == ProofMode.CUSTODIAL;
            if (current.size() == settings.batchSize() || (isCustodial && custodial == custodialBudget())) {
                batches.add(current);
                current = new ArrayList<>();
                custodial = 0;
            }
            current.add(r);
            custodial += isCustodial ? 1 : 0;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    void adjustBudget(ProofRound.Outcome out, long custodialAsked) {
        if (out.outOfTime()) {
            custodialBudget = Math.max(1, (int) Math.min(custodialBudget(), custodialAsked) / 2);
            LOG.warn("Enrollment: challenges would have expired before the token signed every custodial child of the batch;"
                    + " now at most {} custodial children per batch", custodialBudget);
        } else if (custodialAsked >= custodialBudget() && custodialBudget < Settings.MAX_BATCH) {
            custodialBudget = Math.min(Settings.MAX_BATCH, custodialBudget * 2);
        }
    }

    /** One proof round for up to a batch of due children. */
    void enroll(List<ChildRecord> batch) throws InterruptedException {
        Enroller.Environment env = enroller.env();
        Map<String, ChildRecord> byId = new LinkedHashMap<>();
        List<ChildProver> provers = new ArrayList<>();
        List<EnrollRequest.ChildRequest> asked = new ArrayList<>();
        Map<String, String> leafShas = new HashMap<>();
        enroller.attempted(batch);
        for (ChildRecord r : batch) {
            LeafDevice device = env.devices().get(r.id);
            try {
                ChildProver prover = proverFor(r.id, device, env);
                // The chain and leaf come from the prover, captured once: read again from the device, they could
                // be another certificate's (a reconnection in between) and the hub would refuse the proof.
                List<byte[]> chain = prover.chain().stream().map(ChildProver::der).toList();
                asked.add(new EnrollRequest.ChildRequest(r.id, prover.mode(), chain));
                provers.add(prover);
                byId.put(r.id, r);
                leafShas.put(r.id, Enroller.sha256(chain.get(0)));
            } catch (IllegalStateException | IllegalArgumentException e) {
                enroller.failedLocally(r, e.getMessage());
            }
        }
        if (provers.isEmpty()) {
            return;
        }
        try {
            byte[] answer = call(env.link(), REQUEST, new EnrollRequest(asked).toJson());
            Challenges challenges = Challenges.parse(expect(answer, "challenges"));
            ProofRound.Outcome out = ProofRound.run(settings.hubId(), env.gatewayId(), challenges, provers, env.gatewaySigner(),
                    settings.childTimeout(), enroller.clock());
            adjustBudget(out, provers.stream().filter(p -> p.mode() == Mode.CUSTODIAL).count());
            out.refusedByHub().forEach((child, entry) -> enroller.refusedByHub(byId.remove(child), entry.refused(), entry.detail()));
            out.failedLocally().forEach((child, why) -> enroller.failedLocally(byId.remove(child), why));
            if (out.batch() == null) {
                return;
            }
            ProofBatch sent = out.batch();
            Results results = Results.parse(expect(call(env.link(), PROOF, sent.toJson()), "results"));
            for (Results.Entry e : results.entries()) {
                ChildRecord r = byId.remove(e.child());
                if (r == null) {
                    continue; // the hub named a child not in this batch: ignore it, the protocol says one entry per proof
                }
                switch (e.status()) {
                    case ENROLLED -> enroller.enrolledAtHub(r, leafShas.get(r.id));
                    case REFUSED -> enroller.refusedByHub(r, e.reason(), e.detail());
                    case UNENROLLED -> enroller.failedLocally(r, "the hub answered 'unenrolled' to a proof");
                }
            }
            byId.values().forEach(r -> enroller.failedLocally(r, "the hub's results did not name this child"));
        } catch (RoundFailure | ProofRound.ChallengeMismatch | ProtocolException | IdentityException e) {
            String why = e instanceof IdentityException ? "the gateway's token could not sign: " + e.getMessage() : e.getMessage();
            byId.values().forEach(r -> enroller.failedLocally(r, why));
        }
    }

    /** Tells the hub to forget these children (removed devices, operator unenrolls). */
    void forget(List<ChildRecord> children) throws InterruptedException {
        for (int from = 0; from < children.size(); from += Settings.MAX_BATCH) {
            List<ChildRecord> part = children.subList(from, Math.min(children.size(), from + Settings.MAX_BATCH));
            Map<String, ChildRecord> byId = new LinkedHashMap<>();
            part.forEach(r -> byId.put(r.id, r));
            try {
                byte[] answer = call(enroller.env().link(), REMOVE, new Unenroll(List.copyOf(byId.keySet())).toJson());
                for (Results.Entry e : Results.parse(expect(answer, "results")).entries()) {
                    ChildRecord r = byId.get(e.child());
                    if (r == null) {
                        continue;
                    }
                    if (e.status() == Results.Status.UNENROLLED) {
                        enroller.forgottenByHub(r, "unenrolled: the hub confirmed");
                    } else if (e.reason() == Reason.UNKNOWN_ENROLLMENT) {
                        enroller.forgottenByHub(r, "unenrolled: the hub did not know this gateway as its parent");
                    } else {
                        r.detail = "the hub refused to forget it (" + e.reason() + ": " + e.detail() + "); asking again";
                        enroller.publish(r);
                    }
                }
            } catch (RoundFailure | ProtocolException e) {
                for (ChildRecord r : part) {
                    r.detail = "unenrolled here; the hub is not told yet (" + e.getMessage() + ")";
                    enroller.publish(r);
                }
            }
        }
    }

    private ChildProver proverFor(String child, LeafDevice device, Enroller.Environment env) {
        ProofMode mode = Enroller.modeOf(device);
        switch (mode) {
            case RELAY -> {
                ChildSigner signer = device.signer().orElseThrow();
                PeerIdentity peer = device.identity().orElseThrow(() -> new IllegalStateException(
                        "relay: the device can sign but has not presented its certificate to the gateway yet"));
                return new ChildProver.Relay(child, peer.chain(), signer);
            }
            case ATTEST -> {
                PeerIdentity peer = device.identity().orElseThrow();
                // The hub refuses an attestation of a handshake older than its limit (MODE_NOT_ALLOWED): never send
                // one, wait for the bus to open a fresh session (Modbus: tls.reverify.seconds, docs/modbus.md).
                Duration age = Duration.between(peer.verifiedAt(), enroller.now());
                if (age.compareTo(settings.attestUsableAge()) > 0) {
                    throw new IllegalStateException("attest: the device's TLS handshake was verified at " + peer.verifiedAt() + " ("
                            + age.toMinutes() + " min ago); the hub accepts at most " + settings.attestMaxAge().toMinutes()
                            + " min: waiting for the device to reconnect with a fresh handshake");
                }
                return new ChildProver.Attest(child, peer);
            }
            default -> {
                Signer custodial = env.custodialSigner(child);
                if (custodial == null) {
                    throw new IllegalStateException("custodial: no key for this child on the gateway's token, or no certificate"
                            + " installed for it yet (palisade:children csr " + child + ", then install; docs/enrollment.md)");
                }
                return new ChildProver.Custodial(child, custodial.chain(), custodial);
            }
        }
    }

    /** @return the answer, if it is of the expected type; an error answer becomes a round failure */
    private static byte[] expect(byte[] answer, String type) throws ProtocolException, RoundFailure {
        String got = ErrorAnswer.typeOf(answer);
        if (got.equals(ErrorAnswer.TYPE)) {
            ErrorAnswer error = ErrorAnswer.parse(answer);
            throw new RoundFailure("the hub refused the whole message: " + error.reason() + (error.detail().isEmpty() ? ""
                    : ": " + error.detail()));
        }
        if (!got.equals(type)) {
            throw new ProtocolException("the hub answered a '" + got + "' message where '" + type + "' was expected");
        }
        return answer;
    }

    private byte[] call(HubLink link, String suffix, byte[] payload) throws RoundFailure, InterruptedException {
        if (link == null) {
            throw new RoundFailure("the hub link went away");
        }
        Duration timeout = settings.requestTimeout();
        try {
            // Awaited on this thread (ours): nothing runs on the link's threads but the completion.
            return link.request(suffix, payload, timeout).toCompletableFuture()
                    .get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new RoundFailure("no answer from the hub on " + suffix + ": " + cause.getMessage());
        } catch (TimeoutException e) {
            throw new RoundFailure("no answer from the hub on " + suffix + " within " + timeout.toSeconds() + " s");
        }
    }

    static Mode wireMode(ProofMode mode) {
        return switch (mode) {
            case RELAY -> Mode.RELAY;
            case ATTEST -> Mode.ATTEST;
            case CUSTODIAL -> Mode.CUSTODIAL;
        };
    }
}
