package dev.palisade.deploy.internal;

import dev.palisade.api.deploy.BundleInfo;
import dev.palisade.api.deploy.DeployOutcome;
import dev.palisade.api.deploy.UpdateSetInfo;

/** Outcomes and sets as a field engineer reads them in the shell, in bin/palisade and in outcome files. */
final class OutcomeText {
    private OutcomeText() {
    }

    static String format(DeployOutcome o) {
        StringBuilder text = new StringBuilder();
        text.append(o.status());
        if (o.refusal() != null) {
            text.append(' ').append(o.refusal());
        }
        if (o.rollbackCause() != null) {
            text.append(' ').append(o.rollbackCause());
        }
        text.append("  update ").append(o.id()).append('\n');
        text.append("  ").append(o.detail()).append('\n');
        text.append("  submitted ").append(o.submittedAt()).append(", finished ").append(o.finishedAt())
                .append(" (").append(java.time.Duration.between(o.startedAt(), o.finishedAt()).toMillis())
                .append(" ms)\n");
        if (o.set() != null) {
            text.append(set(o.set(), "  "));
        }
        return text.toString();
    }

    static String set(UpdateSetInfo set, String indent) {
        StringBuilder text = new StringBuilder();
        text.append(indent).append("set ").append(set.sha256()).append(", signed by ").append(set.publisher().getName());
        if (set.signedAt() != null) {
            text.append(" at ").append(set.signedAt());
        }
        text.append('\n');
        for (BundleInfo b : set.bundles()) {
            text.append(indent).append("  ").append(b.symbolicName()).append(' ').append(b.version()).append('\n');
        }
        return text.toString();
    }

    /** One line per outcome, for the history. */
    static String line(DeployOutcome o) {
        String reason = o.refusal() != null ? " " + o.refusal() : o.rollbackCause() != null ? " " + o.rollbackCause() : "";
        return o.finishedAt() + "  " + o.id() + "  " + o.status() + reason + "  " + o.detail();
    }
}
