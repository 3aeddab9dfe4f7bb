package dev.palisade.hub.broker;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;

import dev.palisade.hub.enroll.EnrollmentInterceptor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;

/**
 * The hub inside the broker: authenticates every connection against the registry and keeps
 * each gateway to its own topics.
 *
 * <p>Publishing is denied by a {@link PublishInboundInterceptor} rather than by the broker's
 * permissions: a permission or authorizer denial makes HiveMQ CE send the negative PUBACK and
 * then disconnect the client, while an interceptor's {@code preventPublishDelivery} answers
 * PUBACK 0x87 and keeps the gateway connected (shared/research/hub-broker.md).
 */
public final class HubExtension implements ExtensionMain {
    private static final Logger LOG = LoggerFactory.getLogger(HubExtension.class);
    private final GatewayAuthenticator authenticator;
    private final EnrollmentInterceptor enrollment;
    private final Clock clock;
    private final ConnectedGateways connected = new ConnectedGateways();
    private volatile boolean started;

    /**
     * @param enrollment answers enrollment requests and guards child topics (docs/protocol.md);
     *        null for a hub without enrollment (then {@code d/…} topics are not checked)
     */
    public HubExtension(GatewayAuthenticator authenticator, EnrollmentInterceptor enrollment, Clock clock) {
        this.authenticator = authenticator;
        this.enrollment = enrollment;
        this.clock = clock;
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        SimpleAuthenticator auth = this::onConnect;
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> auth);
        PublishInboundInterceptor guard = (publishInput, publishOutput) -> {
            String gateway = publishInput.getClientInformation().getClientId();
            String topic = publishInput.getPublishPacket().getTopic();
            if (!TopicPolicy.mayPublish(gateway, topic)) {
                LOG.info("gateway '{}' may not publish to '{}' (only under {}): refused with NOT_AUTHORIZED",
                        gateway, topic, TopicPolicy.prefix(gateway));
                publishOutput.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED,
                        "gateway " + gateway + " may publish only under " + TopicPolicy.prefix(gateway));
                return;
            }
            if (enrollment != null) {
                enrollment.intercept(gateway, TopicPolicy.prefix(gateway), publishInput, publishOutput);
            }
        };
        Services.initializerRegistry().setClientInitializer(
                (initializerInput, clientContext) -> clientContext.addPublishInboundInterceptor(guard));
        Services.eventRegistry().setClientLifecycleEventListener(providerInput -> new ClientLifecycleEventListener() {
            @Override
            public void onMqttConnectionStart(ConnectionStartInput connectionStartInput) {
            }

            @Override
            public void onAuthenticationSuccessful(AuthenticationSuccessfulInput successInput) {
            }

            @Override
            public void onDisconnect(DisconnectEventInput disconnectInput) {
                connected.forget(disconnectInput.getClientInformation().getClientId());
            }
        });
        started = true;
    }

    /**
     * Applies the registry as it is now to the sessions already open: a gateway whose CA was
     * disabled, or which was removed, is disconnected with NOT_AUTHORIZED. Called when the
     * registry's trust generation changes.
     */
    public void recheckConnectedGateways() {
        if (!started) {
            return;
        }
        for (var refused : connected.recheck(authenticator, clock.instant())) {
            String id = refused.getKey();
            LOG.warn("gateway '{}' disconnected: {}", id, refused.getValue().message());
            Services.clientService().disconnectClient(id, false, DisconnectReasonCode.NOT_AUTHORIZED,
                    refused.getValue().message());
            connected.forget(id);
        }
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        started = false; // the broker removes the callbacks registered above itself
    }

    private void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        String clientId = input.getConnectPacket().getClientId();
        X509Certificate[] chain = input.getConnectionInformation().getClientTlsInformation()
                .flatMap(ClientTlsInformation::getClientCertificateChain).orElse(null);
        String will = input.getConnectPacket().getWillPublish().map(w -> w.getTopic()).orElse(null);
        // The registry lookup and PKIX validation block: run them off the broker's network threads.
        Async<SimpleAuthOutput> async = output.async(Duration.ofSeconds(10), TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_UNAVAILABLE, "the hub registry did not answer in time");
        Services.extensionExecutorService().submit(() -> {
            try {
                Verdict verdict = authenticator.authenticate(clientId, chain, will, clock.instant());
                if (verdict.accepted()) {
                    LOG.info("gateway '{}' connected", verdict.gatewayId());
                    connected.remember(verdict.gatewayId(), chain, will);
                    grant(output.getDefaultPermissions(), verdict.gatewayId());
                    output.authenticateSuccessfully();
                } else {
                    LOG.warn("connection refused (client id '{}'): {}", clientId, verdict.message());
                    output.failAuthentication(reasonCode(verdict.refusal()), verdict.message());
                }
            } catch (RuntimeException e) {
                LOG.error("connection of client id '{}' refused: the authentication failed unexpectedly", clientId, e);
                output.failAuthentication(ConnackReasonCode.UNSPECIFIED_ERROR, "the hub could not authenticate");
            } finally {
                async.resume();
            }
        });
    }

    /**
     * Subscriptions: only under the gateway's prefix (others get SUBACK 0x87). Publishes: the
     * permissions allow every topic so the broker never disconnects; the interceptor decides.
     */
    private static void grant(ModifiableDefaultPermissions permissions, String gatewayId) {
        permissions.add(Builders.topicPermission().topicFilter(TopicPolicy.prefix(gatewayId) + "#")
                .type(TopicPermission.PermissionType.ALLOW).activity(TopicPermission.MqttActivity.SUBSCRIBE)
                .sharedSubscription(TopicPermission.SharedSubscription.NOT_SHARED).build());
        permissions.add(Builders.topicPermission().topicFilter("#")
                .type(TopicPermission.PermissionType.ALLOW).activity(TopicPermission.MqttActivity.PUBLISH).build());
        permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
    }

    private static ConnackReasonCode reasonCode(Verdict.Refusal refusal) {
        return switch (refusal) {
            case CLIENT_ID_MISMATCH -> ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
            case REGISTRY_UNAVAILABLE -> ConnackReasonCode.SERVER_UNAVAILABLE;
            default -> ConnackReasonCode.NOT_AUTHORIZED;
        };
    }
}
