package dev.palisade.deploy.internal.set;

import dev.palisade.api.deploy.DeployRefusal;
import java.util.Objects;

/** An update set that must not be installed, with the reason and one line naming what was wrong. */
public final class SetRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final DeployRefusal refusal;

    /**
     * @param refusal the reason; never {@code null}
     * @param detail what was wrong and where, for the field engineer; never {@code null}
     */
    public SetRefusedException(DeployRefusal refusal, String detail) {
        super(Objects.requireNonNull(detail, "detail"));
        this.refusal = Objects.requireNonNull(refusal, "refusal");
    }

    /** @return why the set is refused */
    public DeployRefusal refusal() {
        return refusal;
    }
}
