package dev.palisade.hub.enroll;

import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PayloadFormatIndicator;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;

import dev.palisade.hub.registry.RegistryException;
import dev.palisade.protocol.enroll.ErrorAnswer;
import dev.palisade.protocol.enroll.Reason;

/**
 * The broker side of enrollment, called by the hub's publish interceptor for a publish the
 * gateway may make (under its own root): answers {@code enroll/…} requests (docs/protocol.md §2)
 * and enforces the child-topic rule on {@code d/<C>/…} (§11). Requests read and write the
 * registry, so they run on the extension executor; a child-topic publish is decided at once from
 * the service's cache of parents when it can be, else on the executor with the publish held
 * asynchronously.
 */
public final class EnrollmentInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentInterceptor.class);
    private static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(10);
    /** The one Response Topic the hub answers to, below the gateway's root (docs/protocol.md §2). */
    static final String RESPONSE_SUFFIX = "res";

    /** The retry hint of a busy answer: the gateway's backoff starts about here (docs/protocol.md §4.7). */
    static final Duration BUSY_RETRY = Duration.ofSeconds(2);

    private final EnrollmentService service;
    private final boolean allowUnenrolledChildren;
    private final java.util.Set<String> warnedUnenrolled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Gateways with an enrollment message being worked on: at most one each (docs/protocol.md §2). */
    private final java.util.Set<String> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Enrollment messages being worked on or queued, all gateways together. */
    private final Semaphore work;
    private final int maxInFlight;

    /**
     * @param allowUnenrolledChildren the hub's transition mode ({@link EnrollmentSettings#allowUnenrolledChildren()}):
     *        a publish for a child that is not enrolled is delivered, with one warning per gateway and child
     * @param maxInFlight the most enrollment messages worked on at once, all gateways together
     *        ({@link EnrollmentSettings#maxMessagesInFlight()})
     */
    public EnrollmentInterceptor(EnrollmentService service, boolean allowUnenrolledChildren, int maxInFlight) {
        this.service = service;
        this.allowUnenrolledChildren = allowUnenrolledChildren;
        this.maxInFlight = maxInFlight;
        this.work = new Semaphore(maxInFlight);
    }

    /**
     * @param gateway the authenticated gateway (client id)
     * @param root {@code palisade/v1/<gateway>/}
     * @return true if this call took charge of the publish (enrollment or child topic)
     */
    public boolean intercept(String gateway, String root, PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        String rest = packet.getTopic().substring(root.length());
        if (rest.startsWith("enroll/")) {
            X509Certificate[] cert = input.getConnectionInformation().getClientTlsInformation()
                    .flatMap(ClientTlsInformation::getClientCertificateChain).orElse(null);
            Optional<String> responseTopic = packet.getResponseTopic();
            Optional<ByteBuffer> correlation = packet.getCorrelationData();
            byte[] payload = packet.getPayload().map(EnrollmentInterceptor::bytes).orElse(new byte[0]);
            // Consumed here, never delivered to subscribers: PUBACK 0x00 (not 0x10 "no subscribers").
            output.preventPublishDelivery();
            // Exactly the documented topic: any other under the root (e.g. d/<C>/…) would let the
            // gateway make the hub publish on a child's topic, past the child-topic rule.
            String expected = root + RESPONSE_SUFFIX;
            if (responseTopic.isEmpty() || !responseTopic.get().equals(expected)) {
                LOG.warn("gateway '{}': {} with response topic '{}' instead of '{}' dropped (nobody to answer)", gateway, rest,
                        responseTopic.orElse(""), expected);
                return true;
            }
            if (cert == null || cert.length == 0) {
                return true; // cannot happen on the mutual-TLS listener; nothing to verify with
            }
            // Bounded work (docs/protocol.md §4.5): one message per gateway at a time (the protocol
            // is request/response; a gateway that sends the next before the answer gains nothing but
            // a share of the hub), and at most maxInFlight for all gateways, so that a flood of
            // gateways queues neither unbounded work nor unbounded payloads on the executor.
            if (!inFlight.add(gateway)) {
                LOG.info("gateway '{}': {} answered UNAVAILABLE: its previous enrollment message is still being worked on",
                        gateway, rest);
                answer(responseTopic.get(), correlation, new ErrorAnswer(Reason.UNAVAILABLE, "one enrollment message at a"
                        + " time per gateway: the previous one is still being worked on; wait for its answer, then retry in "
                        + BUSY_RETRY.toSeconds() + " s").toJson());
                return true;
            }
            if (!work.tryAcquire()) {
                inFlight.remove(gateway);
                LOG.warn("gateway '{}': {} answered UNAVAILABLE: {} enrollment messages are being worked on already", gateway,
                        rest, maxInFlight);
                answer(responseTopic.get(), correlation, new ErrorAnswer(Reason.UNAVAILABLE, "the hub is busy with "
                        + maxInFlight + " enrollment messages; retry in " + BUSY_RETRY.toSeconds() + " s or later").toJson());
                return true;
            }
            try {
                Services.extensionExecutorService().submit(() -> work(gateway, cert, rest, payload, responseTopic.get(),
                        correlation));
            } catch (RuntimeException e) { // rejected: the hub is stopping
                work.release();
                inFlight.remove(gateway);
                LOG.warn("gateway '{}': {} not taken, the hub is stopping: {}", gateway, rest, e.toString());
            }
            return true;
        }
        if (rest.startsWith("d/")) {
            int slash = rest.indexOf('/', 2);
            String child = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            ChildTopicVerdict known = service.childTopicCached(gateway, child);
            if (known != null) { // decided on the broker's thread: no registry read, no executor hop
                decide(gateway, child, known, packet.getTopic(), output);
                return true;
            }
            Async<PublishInboundOutput> async = output.async(REGISTRY_TIMEOUT, TimeoutFallback.FAILURE,
                    AckReasonCode.UNSPECIFIED_ERROR, "the hub registry did not answer in time");
            Services.extensionExecutorService().submit(() -> {
                try {
                    decide(gateway, child, service.childTopic(gateway, child), packet.getTopic(), output);
                } catch (RegistryException e) {
                    LOG.warn("gateway '{}': publish for child '{}' refused, the registry is unusable: {}", gateway, child,
                            e.getMessage());
                    output.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "the hub registry cannot be used");
                } finally {
                    async.resume();
                }
            });
            return true;
        }
        return false;
    }

    private void work(String gateway, X509Certificate[] cert, String rest, byte[] payload, String responseTopic,
            Optional<ByteBuffer> correlation) {
        Optional<byte[]> answer;
        try {
            answer = service.handle(gateway, cert, rest, payload);
        } finally {
            // Before the answer leaves: a gateway that sends its next message on the answer must
            // not find this one still counted.
            inFlight.remove(gateway);
            work.release();
        }
        try {
            answer.ifPresentOrElse(a -> answer(responseTopic, correlation, a),
                    () -> LOG.info("gateway '{}': no enrollment message is served on '{}'", gateway, rest));
        } catch (RuntimeException e) {
            // handle() answers its own failures; this is the answer's publish failing.
            LOG.error("gateway '{}': the answer to {} could not be published", gateway, rest, e);
        }
    }

    private void decide(String gateway, String child, ChildTopicVerdict verdict, String topic, PublishInboundOutput output) {
        if (verdict == ChildTopicVerdict.CA_SUSPENDED || verdict == ChildTopicVerdict.EXPIRED) {
            // Suspended, not ended: the transition mode does not deliver these (the hub knows the child).
            String why = verdict == ChildTopicVerdict.CA_SUSPENDED
                    ? "its relation is suspended: the CA its certificate chains to is disabled or removed"
                    : "its certificate has expired";
            LOG.info("gateway '{}' may not publish for child '{}' on '{}': {}", gateway, child, topic, why);
            output.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, "'" + child + "': " + why);
            return;
        }
        boolean enrolled = verdict == ChildTopicVerdict.PARENT;
        if (!enrolled && allowUnenrolledChildren) {
            if (warnedUnenrolled.add(gateway + "/" + child)) {
                LOG.warn("gateway '{}' publishes for child '{}', which it has not enrolled: delivered only"
                        + " because of --allow-unenrolled-children", gateway, child);
            }
        } else if (!enrolled) {
            LOG.info("gateway '{}' may not publish for child '{}' on '{}': not its enrolled child", gateway, child, topic);
            output.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, "'" + child + "' is not an enrolled child of gateway "
                    + gateway);
        }
    }

    private static void answer(String topic, Optional<ByteBuffer> correlation, byte[] payload) {
        var builder = Builders.publish().topic(topic).qos(Qos.AT_LEAST_ONCE).payload(ByteBuffer.wrap(payload))
                .payloadFormatIndicator(PayloadFormatIndicator.UTF_8).contentType("application/json");
        correlation.ifPresent(builder::correlationData);
        Services.publishService().publish(builder.build());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.asReadOnlyBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
