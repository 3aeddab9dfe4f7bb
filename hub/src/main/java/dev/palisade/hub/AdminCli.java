package dev.palisade.hub;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.palisade.hub.admin.CaService;
import dev.palisade.hub.admin.ChildService;
import dev.palisade.hub.admin.DeviceService;
import dev.palisade.hub.registry.AuditEntry;
import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.DeviceRecord;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.Role;
import dev.palisade.pki.PkiFiles;

/**
 * {@code palisade-hub ca …}, {@code device …}, {@code child …} and {@code audit}: administration
 * on the registry database, which the running hub reads on every connection.
 */
final class AdminCli {
    private final HubRegistry registry;
    private final PrintStream out;
    private final CaService cas;
    private final DeviceService devices;
    private final ChildService children;
    private final Clock clock;

    AdminCli(HubRegistry registry, EnrollmentStore enrollments, Clock clock, Duration codeValidity, String actor,
            PrintStream out) {
        this.registry = registry;
        this.out = out;
        this.clock = clock;
        this.cas = new CaService(registry, clock, codeValidity, actor);
        this.devices = new DeviceService(registry, clock, actor);
        this.children = new ChildService(registry, enrollments, clock, actor);
    }

    int ca(Args args) throws RegistryException, IOException, UsageException {
        String sub = args.next("a ca command (upload, code, verify, list, disable, enable, remove, parents, revoke-cert, revoked)");
        switch (sub) {
            case "parents" -> {
                String name = args.next("the CA name");
                String gateways = args.option("--gateways");
                boolean anyOfCa = args.flag("--any-gateway-of-ca");
                boolean noAttest = args.flag("--no-attest");
                args.end();
                if ((gateways == null) == !anyOfCa) {
                    throw new UsageException("ca parents " + name + ": give either --gateways g1,g2 or --any-gateway-of-ca");
                }
                java.util.Set<String> ids = null;
                if (gateways != null) {
                    ids = new java.util.TreeSet<>();
                    for (String g : gateways.split(",")) {
                        if (!g.isBlank()) {
                            ids.add(g.strip());
                        }
                    }
                }
                children.setParents(registry, name, ids, !noAttest);
                out.println("CA '" + name + "': its children may be parented by " + (ids == null
                        ? "any gateway whose certificate leads to it" : "gateways " + String.join(", ", ids))
                        + (noAttest ? "; the attest mode is refused" : "; every mode accepted"));
            }
            case "revoke-cert" -> {
                Path file = args.path("the certificate file to revoke");
                args.end();
                X509Certificate cert = PkiFiles.readCertificates(file).get(0);
                List<EnrollmentStore.ChildRecord> unenrolled = children.revoke(cert);
                out.println("certificate " + cert.getSubjectX500Principal().getName() + " (serial "
                        + cert.getSerialNumber().toString(16) + ") revoked: refused at enrollment from now on");
                out.println("  thumbprint " + PkiFiles.thumbprint(cert));
                for (EnrollmentStore.ChildRecord c : unenrolled) {
                    out.println("  child '" + c.child() + "' of gateway '" + c.gateway() + "' unenrolled");
                }
            }
            case "revoked" -> {
                args.end();
                List<EnrollmentStore.RevokedCertificate> list = children.revoked();
                if (list.isEmpty()) {
                    out.println("no certificates revoked");
                }
                for (EnrollmentStore.RevokedCertificate r : list) {
                    out.println(r.revoked() + " " + r.subject() + " (serial " + r.serial() + ", issuer " + r.issuer() + ")");
                    out.println("  thumbprint " + r.thumbprint());
                }
            }
            case "upload" -> {
                String name = args.option("--name");
                Path file = args.path("the CA certificate file");
                args.end();
                X509Certificate cert = PkiFiles.readCertificates(file).get(0);
                CaRecord ca = cas.upload(name, cert);
                out.println("CA '" + ca.name() + "' uploaded; status pending (it authenticates nothing yet)");
                printCode(ca);
            }
            case "code" -> {
                String name = args.next("the CA name");
                args.end();
                printCode(cas.newCode(name));
            }
            case "verify" -> {
                String name = args.next("the CA name");
                Path file = args.path("the verification certificate file");
                args.end();
                CaRecord ca = cas.verify(name, PkiFiles.readCertificates(file).get(0));
                out.println("CA '" + ca.name() + "' verified: devices whose chain leads to it can now connect");
            }
            case "list" -> {
                args.end();
                List<CaRecord> list = cas.list();
                if (list.isEmpty()) {
                    out.println("no CAs registered");
                }
                for (CaRecord ca : list) {
                    out.printf("%-24s %-9s %s%n", ca.name(), ca.status().name().toLowerCase(java.util.Locale.ROOT),
                            ca.subject());
                    out.println("  thumbprint " + ca.thumbprint());
                    var policy = children.parentPolicies().get(ca.thumbprint());
                    out.println("  parents    " + (policy == null || policy.gateways() == null ? "gateways of this CA"
                            : "gateways " + String.join(", ", policy.gateways())) + (policy != null && !policy.attest()
                                    ? "; attest refused" : ""));
                    if (ca.code() != null) {
                        out.println("  code       " + ca.code() + " (expires " + ca.codeExpires() + ")");
                    }
                }
            }
            case "disable" -> {
                String name = args.next("the CA name");
                args.end();
                cas.disable(name);
                out.println("CA '" + name + "' disabled: it authenticates nothing from now on");
                printSuspended(name, "suspended");
            }
            case "enable" -> {
                String name = args.next("the CA name");
                args.end();
                cas.enable(name);
                out.println("CA '" + name + "' enabled: verified again, it authenticates from now on");
                printSuspended(name, "active again");
            }
            case "remove" -> {
                String name = args.next("the CA name");
                args.end();
                int dependent = dependents(name);
                cas.remove(name);
                out.println("CA '" + name + "' removed");
                if (dependent > 0) {
                    out.println("  " + dependent + " enrolled child(ren) under it suspended (see `palisade-hub child list`);"
                            + " they stay suspended unless the same CA is uploaded and verified again");
                }
            }
            default -> throw new UsageException("unknown ca command '" + sub + "'");
        }
        return HubMain.OK;
    }

    /** The children whose relation depends on CA {@code name}, as the child-topic rule sees them. */
    private int dependents(String name) throws RegistryException {
        String thumbprint = cas.list().stream().filter(ca -> ca.name().equals(name)).map(CaRecord::thumbprint).findFirst()
                .orElse(null);
        return thumbprint == null ? 0 : (int) children.list(null).stream().filter(c -> thumbprint.equals(c.ca())).count();
    }

    private void printSuspended(String name, String state) throws RegistryException {
        int dependent = dependents(name);
        if (dependent > 0) {
            out.println("  " + dependent + " enrolled child(ren) under it " + state + " within a second (see `palisade-hub"
                    + " child list`)");
        }
    }

    private void printCode(CaRecord ca) {
        out.println("verification code " + ca.code());
        out.println("  expires " + ca.codeExpires() + "; single use");
        out.println("  next: sign a certificate with subject CN=" + ca.code() + " with the CA's key, e.g.");
        out.println("        palisade pki verification " + ca.code() + " --ca <CA>.pfx");
        out.println("  then: palisade-hub ca verify " + ca.name() + " verification-" + ca.code() + ".cer");
    }

    int device(Args args) throws RegistryException, IOException, UsageException {
        String sub = args.next("a device command (add, list, show, remove)");
        switch (sub) {
            case "add" -> {
                List<CredentialKind> kinds = new ArrayList<>();
                boolean gateway = args.flag("--gateway");
                if (args.flag("--ca-chain")) {
                    kinds.add(CredentialKind.CA_CHAIN);
                }
                if (args.flag("--token")) {
                    kinds.add(CredentialKind.TOKEN);
                }
                String primary = args.option("--self-signed");
                String secondary = args.option("--secondary");
                if (primary != null) {
                    kinds.add(CredentialKind.SELF_SIGNED);
                }
                if (secondary != null && primary == null) {
                    throw new UsageException("--secondary needs --self-signed");
                }
                String parent = args.option("--parent");
                String id = args.next("the device id");
                args.end();
                if (parent != null && (gateway || kinds.contains(CredentialKind.TOKEN))) {
                    throw new UsageException("device add " + id + ": --parent is for a device that is a gateway's child;"
                            + (gateway ? " a gateway is nobody's child" : " a token device cannot be enrolled as a child"));
                }
                if (parent != null && (!DeviceService.isId(parent) || parent.equals(id))) {
                    throw new UsageException("device add " + id + ": --parent '" + parent + "' is not a gateway id other than the"
                            + " device's own");
                }
                X509Certificate p = primary == null ? null : PkiFiles.readCertificates(Path.of(primary)).get(0);
                X509Certificate s = secondary == null ? null : PkiFiles.readCertificates(Path.of(secondary)).get(0);
                DeviceService.Added added = devices.add(id, gateway ? Role.GATEWAY : Role.DEVICE, kinds, p, s);
                out.println((gateway ? "gateway '" : "device '") + id + "' registered with a "
                        + added.device().kind().label() + " credential");
                if (parent != null) {
                    try {
                        children.setDeviceParent(id, parent);
                    } catch (RegistryException e) {
                        devices.remove(id); // not registered half: without its parent it would be enrollable by others
                        throw e;
                    }
                    out.println("  only gateway '" + parent + "' may enroll it as its child");
                }
                if (added.token() != null) {
                    out.println("token " + added.token());
                    out.println("  shown once: the hub keeps only its hash");
                }
            }
            case "list" -> {
                args.end();
                List<DeviceRecord> list = devices.list();
                if (list.isEmpty()) {
                    out.println("no devices registered");
                }
                for (DeviceRecord d : list) {
                    out.printf("%-24s %-8s %s%n", d.id(), d.role().name().toLowerCase(java.util.Locale.ROOT),
                            d.kind().label());
                }
            }
            case "show" -> {
                String id = args.next("the device id");
                args.end();
                DeviceRecord d = devices.show(id);
                out.println("device     " + d.id());
                out.println("role       " + d.role().name().toLowerCase(java.util.Locale.ROOT));
                out.println("credential " + d.kind().label());
                if (d.primaryThumbprint() != null) {
                    out.println("primary    " + d.primaryThumbprint());
                }
                if (d.secondaryThumbprint() != null) {
                    out.println("secondary  " + d.secondaryThumbprint());
                }
                if (d.kind() == CredentialKind.CA_CHAIN) {
                    out.println("accepts    a certificate with subject CN=" + d.id() + " chaining to a verified CA");
                }
                String parent = children.deviceParent(d.id());
                if (parent != null) {
                    out.println("parent     " + parent + " (the only gateway that may enroll it)");
                }
                out.println("registered " + d.created());
            }
            case "remove" -> {
                String id = args.next("the device id");
                args.end();
                devices.remove(id);
                out.println("device '" + id + "' removed");
                if (children.deviceParent(id) != null) {
                    children.setDeviceParent(id, null);
                }
                // A removed device is nobody's child any more: its gateway stops speaking for it.
                java.util.Optional<EnrollmentStore.ChildRecord> relation = children.list(null).stream()
                        .filter(c -> c.child().equals(id)).findFirst();
                if (relation.isPresent()) {
                    children.remove(id);
                    out.println("  its enrollment under gateway '" + relation.get().gateway() + "' ended: the hub refuses"
                            + " its telemetry within a second");
                }
            }
            default -> throw new UsageException("unknown device command '" + sub + "'");
        }
        return HubMain.OK;
    }

    int child(Args args) throws RegistryException, UsageException {
        String sub = args.next("a child command (list, remove)");
        switch (sub) {
            case "list" -> {
                String gateway = args.option("--gateway");
                args.end();
                List<EnrollmentStore.ChildRecord> list = children.list(gateway);
                if (list.isEmpty()) {
                    out.println(gateway == null ? "no children enrolled" : "gateway '" + gateway + "' has no enrolled children");
                }
                java.util.Map<String, CaRecord> byThumbprint = new java.util.HashMap<>();
                for (CaRecord ca : cas.list()) {
                    byThumbprint.put(ca.thumbprint(), ca);
                }
                java.time.Instant now = clock.instant();
                for (EnrollmentStore.ChildRecord c : list) {
                    out.printf("%-24s %-24s %-9s %s %s%n", c.child(), c.gateway(), c.mode(), c.enrolled(),
                            state(c, byThumbprint, now));
                }
            }
            case "remove" -> {
                String id = args.next("the child id");
                args.end();
                EnrollmentStore.ChildRecord removed = children.remove(id);
                out.println("child '" + id + "' removed from gateway '" + removed.gateway()
                        + "': the hub refuses its telemetry from that gateway within a second");
                out.println("  the gateway may enroll it again; to keep it out, revoke its certificate (ca revoke-cert)");
            }
            default -> throw new UsageException("unknown child command '" + sub + "'");
        }
        return HubMain.OK;
    }

    /** What the child-topic rule does with a relation now (docs/hub.md, "Children"). */
    static String state(EnrollmentStore.ChildRecord c, java.util.Map<String, CaRecord> cas, java.time.Instant now) {
        if (c.ca() != null) {
            CaRecord ca = cas.get(c.ca());
            if (ca == null) {
                return "suspended (its CA was removed)";
            }
            if (ca.status() != dev.palisade.hub.registry.CaStatus.VERIFIED) {
                return "suspended (CA '" + ca.name() + "' is " + ca.status().name().toLowerCase(java.util.Locale.ROOT) + ")";
            }
        }
        if (c.notAfter() != null && now.isAfter(c.notAfter())) {
            return "expired (certificate notAfter " + c.notAfter() + ")";
        }
        return "active";
    }

    int audit(Args args) throws RegistryException, UsageException {
        String limit = args.option("--limit");
        args.end();
        int n;
        try {
            n = limit == null ? 50 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            throw new UsageException("--limit must be a number, got '" + limit + "'");
        }
        for (AuditEntry e : registry.auditLog(n)) {
            out.printf("%5d %s %-14s %-14s %-20s %s%n", e.sequence(), e.at(), e.actor(), e.action(), e.target(),
                    e.outcome() + (e.detail() == null ? "" : ": " + e.detail()));
        }
        return HubMain.OK;
    }
}
