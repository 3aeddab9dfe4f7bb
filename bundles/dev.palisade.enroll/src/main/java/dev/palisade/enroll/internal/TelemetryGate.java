package dev.palisade.enroll.internal;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.ProofMode;

/**
 * Whether a child's telemetry may leave the spool now, asked by the link for every message (any
 * thread). The hub enrolled a child <em>with a certificate</em>; a device that reconnected with
 * another one must not speak under that enrollment, not even in the second before the next
 * enrollment cycle notices the change. So the gate opens only when the child is enrolled and:
 * <ul>
 * <li>{@code relay}/{@code attest} (the device presents its certificate): the device presents now
 * the very leaf that was enrolled (by SHA-256). A device registered but without an identity (no
 * accepted handshake since it was registered) or an unknown enrolled leaf: closed — the messages
 * wait in the spool until the device proves that certificate again or is enrolled with its new
 * one. No device service at all (its bus bundle stopping or updated, a removal within its grace):
 * nothing can present another certificate and no new readings are taken, so the enrolled status
 * decides and what was read before keeps flowing (a bus update must not hold a plant's data).</li>
 * <li>{@code custodial}: the device presents nothing (plain transport); its certificate is the one
 * the gateway keeps for it on the token, which only the operator changes ({@code palisade:children
 * install}) and the enrollment cycle then enrolls again. The enrolled status decides.</li>
 * </ul>
 */
final class TelemetryGate {

    private record Enrolled(ProofMode mode, String leafSha) {
    }

    private record Hashed(X509Certificate leaf, String sha) {
    }

    private final Function<String, LeafDevice> devices;
    private final Map<String, Enrolled> enrolled = new ConcurrentHashMap<>();
    /** The last leaf seen per child and its hash: hashing once per handshake, not per message. */
    private final Map<String, Hashed> hashes = new ConcurrentHashMap<>();

    TelemetryGate(Function<String, LeafDevice> devices) {
        this.devices = devices;
    }

    /** Follows a child's published state (enrollment thread). */
    void update(ChildRecord r) {
        if (r.status == EnrollmentStatus.ENROLLED) {
            enrolled.put(r.id, new Enrolled(r.mode, r.leafSha));
        } else {
            enrolled.remove(r.id);
        }
    }

    void forget(String child) {
        enrolled.remove(child);
        hashes.remove(child);
    }

    boolean open(String child) {
        Enrolled e = enrolled.get(child);
        if (e == null) {
            return false;
        }
        if (e.mode() == ProofMode.CUSTODIAL) {
            return true;
        }
        if (e.leafSha().isEmpty()) {
            return false;
        }
        LeafDevice device = devices.apply(child);
        if (device == null) {
            return true;
        }
        Optional<PeerIdentity> peer = device.identity();
        if (peer.isEmpty()) {
            return false;
        }
        X509Certificate leaf = peer.get().chain().get(0);
        Hashed h = hashes.get(child);
        if (h == null || h.leaf() != leaf) {
            h = new Hashed(leaf, Enroller.sha256(ChildProver.der(leaf)));
            hashes.put(child, h);
        }
        return h.sha().equals(e.leafSha());
    }
}
