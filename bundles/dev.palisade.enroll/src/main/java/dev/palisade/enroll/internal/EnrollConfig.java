package dev.palisade.enroll.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code etc/dev.palisade.enroll.cfg}: see docs/enrollment.md. */
@ObjectClassDefinition(name = "Palisade enrollment",
        description = "Enrolls the gateway's leaf devices with the hub (proof of possession on behalf of children).")
@interface EnrollConfig {

    @AttributeDefinition(name = "Hub id",
            description = "The id of the hub this gateway enrolls its children with, as the hub names itself (palisade-hub"
                    + " prints it). Required: proofs are signed for this hub only, and an answer naming another hub is refused.")
    String hub_id() default "";

    @AttributeDefinition(name = "Batch size",
            description = "Children proven under one token signature (1..1000).")
    int batch_size() default 100;

    @AttributeDefinition(name = "First retry (s)", description = "Delay before the first retry after a failed attempt.")
    int retry_min_seconds() default 2;

    @AttributeDefinition(name = "Longest retry (s)",
            description = "Bound of the exponential, jittered backoff between attempts for a pending child.")
    int retry_max_seconds() default 300;

    @AttributeDefinition(name = "Retry after refusal (s)",
            description = "How long a child refused by the hub waits before it is tried again (palisade:children retry"
                    + " tries at once).")
    int refused_retry_seconds() default 3600;

    @AttributeDefinition(name = "Child proof timeout (s)",
            description = "How long a device may take to sign a relayed challenge.")
    int child_timeout_seconds() default 10;

    @AttributeDefinition(name = "Removal grace (s)",
            description = "A device whose service is gone this long, while its bus bundle kept running, was removed:"
                    + " the hub is told to forget it. A device back sooner (a bus restarting) keeps its enrollment.")
    int removal_grace_seconds() default 30;

    @AttributeDefinition(name = "Settle time at start (s)",
            description = "A child saved as enrolled before the gateway started, whose device has not reappeared this long"
                    + " after start while the bus bundle that registered it is active, was removed while the gateway was"
                    + " down: the hub is told to forget it. 0: never (only palisade:children unenroll).")
    int start_settle_seconds() default 300;

    @AttributeDefinition(name = "Hub request timeout (s)", description = "How long to wait for each answer of the hub.")
    int request_timeout_seconds() default 20;

    @AttributeDefinition(name = "Attestation max age (s)",
            description = "The hub's limit on the age of the TLS handshake an attest proof attests (the hub's"
                    + " attestation max age, 24 h by default). A proof whose handshake is older than this less a"
                    + " 10-minute margin is not sent: the child waits for its device to reconnect (a fresh handshake).")
    int attest_max_age_seconds() default 86400;
}
