package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.identity.GatewayIdentity;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the hub link, PID {@value MqttLinkComponent#PID}. Defaults are declared here
 * once; {@code docs/upstream.md} explains each setting.
 */
@ObjectClassDefinition(name = "Palisade hub link (MQTT v5)",
        description = "Mutual-TLS MQTT v5 link to the hub: broker address, whom to trust, reconnect and drain tuning.")
@interface LinkConfig {

    @AttributeDefinition(name = "Hub URI",
            description = "ssl://host:port of the hub's MQTT v5 broker. Empty: the link stays DOWN and says so.")
    String hub_uri() default "";

    @AttributeDefinition(name = "Hub trust domain",
            description = "Trust domain (dev.palisade.trust) whose anchors verify the hub's certificate."
                    + " Exactly one of hub.trust.domain and hub.trust.anchors must be set.")
    String hub_trust_domain() default "";

    @AttributeDefinition(name = "Hub anchors file",
            description = "PEM file of the CA certificates that verify the hub (PKIX against these anchors only)."
                    + " Used when no trust domain is named.")
    String hub_trust_anchors() default "";

    @AttributeDefinition(name = "JSSE provider", options = {
            @org.osgi.service.metatype.annotations.Option(value = GatewayIdentity.BCJSSE, label = "Bouncy Castle JSSE"),
            @org.osgi.service.metatype.annotations.Option(value = GatewayIdentity.SUNJSSE, label = "JDK SunJSSE")})
    String jsse_provider() default GatewayIdentity.BCJSSE;

    @AttributeDefinition(name = "Keep-alive (s)", description = "MQTT keep-alive interval; 0 disables it.", min = "0")
    int keepalive_seconds() default 30;

    @AttributeDefinition(name = "Connect timeout (s)", description = "TLS handshake plus MQTT CONNECT/CONNACK.", min = "1")
    int connect_timeout_seconds() default 10;

    @AttributeDefinition(name = "In-flight window",
            description = "Most QoS 1 telemetry messages sent and not yet acknowledged; capped by the hub's"
                    + " Receive Maximum minus a reserve for command responses and requests.", min = "1")
    int inflight_window() default 256;

    @AttributeDefinition(name = "Drain batch size", description = "Most messages taken from the spool at once.", min = "1")
    int batch_size() default 128;

    @AttributeDefinition(name = "Drain linger (ms)",
            description = "How long the drain waits in the spool for a message before checking the connection again.",
            min = "1")
    int batch_linger_ms() default 200;

    @AttributeDefinition(name = "Reconnect backoff minimum (ms)", min = "1")
    long backoff_min_ms() default 1_000;

    @AttributeDefinition(name = "Reconnect backoff maximum (ms)", min = "1")
    long backoff_max_ms() default 60_000;

    @AttributeDefinition(name = "Command timeout (s)",
            description = "A command handler that has not answered by then is answered with a timeout error.", min = "1")
    int command_timeout_seconds() default 30;

    @AttributeDefinition(name = "Rejected-key hold-back (s)",
            description = "After the hub refuses a message (negative PUBACK), messages with the same key"
                    + " (child) stay in the spool this long before they are tried again.", min = "1")
    int rejected_holdback_seconds() default 60;
}
