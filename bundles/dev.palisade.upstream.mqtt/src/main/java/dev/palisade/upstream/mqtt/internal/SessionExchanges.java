package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.CommandHandler;
import dev.palisade.api.upstream.ProgressiveCommandHandler;
import dev.palisade.api.upstream.UpstreamException;
import dev.palisade.api.upstream.UpstreamException.Reason;
import dev.palisade.lib.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT v5 request/response in both directions over one session: commands from the hub
 * dispatched to {@link CommandHandler}s and answered on their Response Topic with their
 * Correlation Data, and the gateway's own requests ({@code HubLink.request}) matched to the
 * hub's answers by Correlation Data.
 *
 * <p>Answer format (documented in {@code docs/upstream.md}): the user property
 * {@value #STATUS} is {@code ok} with the handler's payload, or {@code error} with the JSON
 * {@code {"v":1,"error":"…"}}.
 */
final class SessionExchanges {

    private static final Logger LOG = LoggerFactory.getLogger(SessionExchanges.class);
    static final String STATUS = "palisade-status";
    /** {@value #STATUS} of a progress report (not an answer) of a {@link ProgressiveCommandHandler}. */
    static final String PROGRESS = "progress";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final CommandRouter router;
    private final ScheduledExecutorService timer;
    private final Duration commandTimeout;
    private final LinkStats stats;
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();

    SessionExchanges(CommandRouter router, ScheduledExecutorService timer, Duration commandTimeout, LinkStats stats) {
        this.router = router;
        this.timer = timer;
        this.commandTimeout = commandTimeout;
        this.stats = stats;
    }

    /** Paho's callback thread: must not block. */
    void arrived(HubSession session, String topic, MqttMessage message) {
        MqttProperties properties = message.getProperties();
        byte[] correlation = properties == null ? null : properties.getCorrelationData();
        if (topic.equals(session.topics.responses())) {
            CompletableFuture<byte[]> waiting = correlation == null ? null : pending.remove(HEX.formatHex(correlation));
            if (waiting == null) {
                LOG.info("Hub link: a response on {} matches no open request (late or duplicate); ignored", topic);
                return;
            }
            // An error answer is still an answer: the protocol on top reads its reason code.
            waiting.complete(message.getPayload());
            return;
        }
        Topics.Command command = session.topics.command(topic);
        if (command == null) {
            LOG.warn("Hub link: message on unexpected topic {} ignored", topic);
            return;
        }
        stats.commands.incrementAndGet();
        String responseTopic = properties == null ? null : properties.getResponseTopic();
        CompletionStage<byte[]> result;
        CommandDeadline deadline = new CommandDeadline(timer, commandTimeout);
        CommandHandler handler = Topics.COMMAND_NAME.matcher(command.name()).matches() ? router.find(command.name()) : null;
        if (!Topics.COMMAND_NAME.matcher(command.name()).matches()) {
            result = CompletableFuture.failedFuture(new IllegalArgumentException("'" + command.name()
                    + "' is not a command name (one level of a-z, 0-9 and '-')"));
        } else if (handler == null) {
            result = CompletableFuture.failedFuture(new IllegalArgumentException("unknown command '" + command.name()
                    + "'" + (router.names().isEmpty() ? "" : "; this gateway serves " + String.join(", ", router.names()))));
        } else {
            try {
                result = handler instanceof ProgressiveCommandHandler progressive && responseTopic != null
                        ? progressive.handle(command.child(), command.name(), message.getPayload(),
                                report -> progress(session, responseTopic, correlation, report, deadline, command.name()))
                        : handler.handle(command.child(), command.name(), message.getPayload());
                if (result == null) {
                    result = CompletableFuture.failedFuture(new IllegalStateException("the handler returned no result"));
                }
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
        }
        if (responseTopic == null) {
            LOG.warn("Hub link: command '{}' on {} has no Response Topic; it runs but nobody gets the answer",
                    command.name(), topic);
            return;
        }
        deadline.watch(result).whenComplete((payload, failure) -> answer(session, responseTopic, correlation, payload,
                failure, command.name(), deadline.extended()));
    }

    /** A progress report of a {@link ProgressiveCommandHandler}: on the Response Topic, marked {@code progress}. */
    private void progress(HubSession session, String responseTopic, byte[] correlation, byte[] report,
            CommandDeadline deadline, String command) {
        if (report == null || !deadline.extend()) {
            return; // answered (or timed out) already: the answer is the last message for this correlation
        }
        MqttProperties properties = new MqttProperties();
        if (correlation != null) {
            properties.setCorrelationData(correlation);
        }
        properties.setUserProperties(List.of(new UserProperty(STATUS, PROGRESS)));
        try {
            session.client.publish(responseTopic, new MqttMessage(report.clone(), 1, false, properties));
        } catch (MqttException | RuntimeException e) {
            LOG.info("Hub link: could not report the progress of command '{}': {}", command, LinkErrors.describe(e));
        }
    }

    private void answer(HubSession session, String responseTopic, byte[] correlation, byte[] payload, Throwable failure,
            String command, boolean extended) {
        MqttProperties properties = new MqttProperties();
        if (correlation != null) {
            properties.setCorrelationData(correlation);
        }
        byte[] body;
        if (failure == null && payload != null) {
            properties.setUserProperties(List.of(new UserProperty(STATUS, "ok")));
            body = payload;
        } else {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            String reason = cause instanceof java.util.concurrent.TimeoutException
                    ? "the command did not finish within " + commandTimeout.toSeconds() + " s"
                            + (extended ? " of its last progress report" : "")
                    : cause == null ? "the handler answered nothing" : String.valueOf(cause.getMessage());
            properties.setUserProperties(List.of(new UserProperty(STATUS, "error")));
            properties.setContentType("application/json");
            body = ("{\"v\":1,\"error\":\"" + Json.escape(reason) + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        MqttMessage reply = new MqttMessage(body, 1, false, properties);
        try {
            session.client.publish(responseTopic, reply);
        } catch (MqttException | RuntimeException e) {
            LOG.warn("Hub link: could not answer command '{}': {}", command, LinkErrors.describe(e));
        }
    }

    /** {@code HubLink.request} on this session. Never blocks. */
    CompletionStage<byte[]> request(HubSession session, String suffix, byte[] payload, Duration timeout) {
        byte[] correlation = new byte[16];
        RANDOM.nextBytes(correlation);
        String key = HEX.formatHex(correlation);
        CompletableFuture<byte[]> response = new CompletableFuture<>();
        pending.put(key, response);
        stats.requests.incrementAndGet();
        timer.schedule(() -> {
            if (pending.remove(key) != null) {
                response.completeExceptionally(new UpstreamException(Reason.TIMEOUT, "no response to the request on '"
                        + suffix + "' within " + timeout.toMillis() + " ms"));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic(session.topics.responses());
        properties.setCorrelationData(correlation);
        try {
            session.client.publish(session.topics.of(suffix), new MqttMessage(payload.clone(), 1, false, properties), null,
                    new MqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken token) {
                            int[] codes = token.getReasonCodes();
                            int code = codes != null && codes.length > 0 ? codes[0] : 0;
                            if (code == 0x10) {
                                fail(key, Reason.NO_RESPONDER, "nobody at the hub serves '" + suffix + "' (no matching subscribers)");
                            } else if (code >= 0x80) {
                                refused(code);
                            }
                        }

                        @Override
                        public void onFailure(IMqttToken token, Throwable failure) {
                            if (failure instanceof MqttException m && HubSession.isMqttReason(m.getReasonCode())) {
                                refused(m.getReasonCode());
                            } else {
                                fail(key, Reason.LINK_DOWN, "the request on '" + suffix + "' was not sent: "
                                        + LinkErrors.describe(failure));
                            }
                        }

                        private void refused(int code) {
                            fail(key, code == HubSession.REASON_NOT_AUTHORIZED ? Reason.NOT_AUTHORIZED : Reason.NO_RESPONDER,
                                    "the hub refused the request on '" + suffix + "' with reason 0x" + Integer.toHexString(code));
                        }
                    });
        } catch (MqttException | RuntimeException e) {
            fail(key, Reason.LINK_DOWN, "the request on '" + suffix + "' was not sent: " + LinkErrors.describe(e));
        }
        return response.copy();
    }

    private void fail(String key, Reason reason, String message) {
        CompletableFuture<byte[]> waiting = pending.remove(key);
        if (waiting != null) {
            waiting.completeExceptionally(new UpstreamException(reason, message));
        }
    }

    /** Fails every open request: the session ended. */
    void failAll(Reason reason, String message) {
        for (String key : pending.keySet()) {
            fail(key, reason, message);
        }
    }
}
