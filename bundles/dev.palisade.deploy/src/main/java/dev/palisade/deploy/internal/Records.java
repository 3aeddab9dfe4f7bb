package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.BundleInfo;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.DeployRefusal;
import dev.palisade.api.deploy.DeployStatus;
import dev.palisade.api.deploy.RollbackCause;
import dev.palisade.api.deploy.UpdateSetInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.security.auth.x500.X500Principal;

/** Outcomes and set descriptions as {@link Properties}, the form the deploy store keeps on disk. */
final class Records {
    private Records() {
    }

    static void putSet(Properties p, String prefix, UpdateSetInfo set) {
        p.setProperty(prefix + "sha256", set.sha256());
        p.setProperty(prefix + "publisher", set.publisher().getName());
        if (set.signedAt() != null) {
            p.setProperty(prefix + "signedAt", set.signedAt().toString());
        }
        for (int i = 0; i < set.bundles().size(); i++) {
            BundleInfo b = set.bundles().get(i);
            p.setProperty(prefix + "bundle." + i, b.symbolicName() + " " + b.version() + " " + b.sha256());
        }
    }

    static UpdateSetInfo set(Properties p, String prefix) {
        String sha = p.getProperty(prefix + "sha256");
        if (sha == null) {
            return null;
        }
        List<BundleInfo> bundles = new ArrayList<>();
        for (int i = 0; p.containsKey(prefix + "bundle." + i); i++) {
            String[] f = p.getProperty(prefix + "bundle." + i).split(" ");
            bundles.add(new BundleInfo(f[0], f[1], f[2]));
        }
        String signedAt = p.getProperty(prefix + "signedAt");
        return new UpdateSetInfo(sha, new X500Principal(p.getProperty(prefix + "publisher")),
                signedAt == null ? null : Instant.parse(signedAt), bundles);
    }

    static Properties outcome(DeployOutcome o) {
        Properties p = new Properties();
        p.setProperty("id", o.id());
        p.setProperty("status", o.status().name());
        if (o.refusal() != null) {
            p.setProperty("refusal", o.refusal().name());
        }
        if (o.rollbackCause() != null) {
            p.setProperty("rollbackCause", o.rollbackCause().name());
        }
        p.setProperty("detail", o.detail());
        p.setProperty("submittedAt", o.submittedAt().toString());
        p.setProperty("startedAt", o.startedAt().toString());
        p.setProperty("finishedAt", o.finishedAt().toString());
        if (o.set() != null) {
            putSet(p, "set.", o.set());
        }
        return p;
    }

    static DeployOutcome outcome(Properties p) {
        String refusal = p.getProperty("refusal");
        String cause = p.getProperty("rollbackCause");
        return new DeployOutcome(p.getProperty("id"), DeployStatus.valueOf(p.getProperty("status")),
                refusal == null ? null : DeployRefusal.valueOf(refusal),
                cause == null ? null : RollbackCause.valueOf(cause), p.getProperty("detail"), set(p, "set."),
                Instant.parse(p.getProperty("submittedAt")), Instant.parse(p.getProperty("startedAt")),
                Instant.parse(p.getProperty("finishedAt")));
    }
}
