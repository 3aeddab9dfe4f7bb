package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.identity.GatewayIdentity;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The link's configuration, checked once at activation. A bad value is reported by the health
 * indicator naming the key and the value; nothing connects with it.
 */
record LinkSettings(String uri, String trustDomain, String anchorsFile, String jsseProvider, int keepAliveSeconds,
        int connectTimeoutSeconds, int inflightWindow, int batchSize, Duration linger, long backoffMinMillis,
        long backoffMaxMillis, Duration commandTimeout, Duration holdBack) {

    /**
     * @return the checked settings
     * @throws IllegalArgumentException naming the configuration key that is wrong and why
     */
    static LinkSettings from(LinkConfig config) {
        String uri = config.hub_uri().trim();
        if (uri.isEmpty()) {
            throw new IllegalArgumentException("hub.uri is not configured (set it to ssl://host:port in etc/"
                    + MqttLinkComponent.PID + ".cfg)");
        }
        try {
            URI parsed = new URI(uri);
            if (!"ssl".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() <= 0
                    || (parsed.getPath() != null && !parsed.getPath().isEmpty())) {
                throw new IllegalArgumentException("hub.uri '" + uri + "' must be ssl://host:port (mutual TLS only;"
                        + " tcp:// is refused)");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("hub.uri '" + uri + "' is not a URI: " + e.getMessage(), e);
        }
        String domain = config.hub_trust_domain().trim();
        String anchors = config.hub_trust_anchors().trim();
        if (domain.isEmpty() == anchors.isEmpty()) {
            throw new IllegalArgumentException(domain.isEmpty()
                    ? "neither hub.trust.domain nor hub.trust.anchors is configured: the link will not connect to a hub"
                            + " it cannot verify"
                    : "both hub.trust.domain ('" + domain + "') and hub.trust.anchors ('" + anchors
                            + "') are configured: set exactly one");
        }
        String provider = config.jsse_provider().trim();
        if (!provider.equals(GatewayIdentity.BCJSSE) && !provider.equals(GatewayIdentity.SUNJSSE)) {
            throw new IllegalArgumentException("jsse.provider '" + provider + "' is neither " + GatewayIdentity.BCJSSE
                    + " nor " + GatewayIdentity.SUNJSSE);
        }
        positive("inflight.window", config.inflight_window());
        positive("batch.size", config.batch_size());
        positive("batch.linger.ms", config.batch_linger_ms());
        positive("connect.timeout.seconds", config.connect_timeout_seconds());
        positive("command.timeout.seconds", config.command_timeout_seconds());
        positive("rejected.holdback.seconds", config.rejected_holdback_seconds());
        if (config.keepalive_seconds() < 0) {
            throw new IllegalArgumentException("keepalive.seconds must be 0 or more, got " + config.keepalive_seconds());
        }
        if (config.backoff_min_ms() <= 0 || config.backoff_max_ms() < config.backoff_min_ms()) {
            throw new IllegalArgumentException("backoff must satisfy 0 < backoff.min.ms (" + config.backoff_min_ms()
                    + ") <= backoff.max.ms (" + config.backoff_max_ms() + ")");
        }
        return new LinkSettings(uri, domain, anchors, provider, config.keepalive_seconds(),
                config.connect_timeout_seconds(), config.inflight_window(), config.batch_size(),
                Duration.ofMillis(config.batch_linger_ms()), config.backoff_min_ms(), config.backoff_max_ms(),
                Duration.ofSeconds(config.command_timeout_seconds()), Duration.ofSeconds(config.rejected_holdback_seconds()));
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        }
    }
}
