package dev.palisade.hub.enroll;

/**
 * What the child-topic rule (docs/protocol.md §11) decides for a publish of gateway G on
 * {@code palisade/v1/<G>/d/<C>/…}.
 */
public enum ChildTopicVerdict {
    /** G is C's parent, the relation is active: delivered. */
    PARENT,
    /** C is not an enrolled child of G (not enrolled, or another gateway's). */
    NOT_PARENT,
    /** G is C's parent, but the CA C's chain led to is disabled or removed: suspended until it is verified again. */
    CA_SUSPENDED,
    /** G is C's parent, but C's certificate has passed its notAfter. */
    EXPIRED;

    /** @return whether the publish is delivered */
    public boolean allowed() {
        return this == PARENT;
    }
}
