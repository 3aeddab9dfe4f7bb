package dev.palisade.deploy.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an update is, for whoever asked for it (the hub's deploy command reports it back over the
 * link). Called on the deployer's worker thread, in this order: {@link Stage#STAGED} (queued), then
 * {@link Stage#VERIFIED}, {@link Stage#APPLYING}, {@link Stage#HEALTH_GATE} as far as the update
 * gets, and {@link Stage#ROLLING_BACK} when it failed after the first change; the outcome itself is
 * the submit's result. Must not block.
 */
@FunctionalInterface
interface DeployProgress {

    Logger LOG = LoggerFactory.getLogger(DeployProgress.class);

    /** Nobody listens. */
    DeployProgress NONE = (id, stage, detail) -> { };

    enum Stage {
        /** Copied into the staging area and queued; the detail says how many are ahead. */
        STAGED,
        /** Signature, publisher, digests and versions checked; the detail names the changes. */
        VERIFIED,
        /** Installing, updating, refreshing and starting the changed bundles. */
        APPLYING,
        /** The changed bundles run; waiting for their components, the health checks and the link. */
        HEALTH_GATE,
        /** Something failed after the first change: the previous bundles are being put back. */
        ROLLING_BACK
    }

    void reached(String id, Stage stage, String detail);

    /** Reports without letting a listener's failure touch the update. */
    static void report(DeployProgress progress, String id, Stage stage, String detail) {
        try {
            progress.reached(id, stage, detail);
        } catch (RuntimeException e) {
            LOG.debug("A progress listener failed on {} {}: {}", id, stage, e.toString());
        }
    }
}
