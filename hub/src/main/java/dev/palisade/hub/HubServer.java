package dev.palisade.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;

import dev.palisade.hub.broker.GatewayAuthenticator;
import dev.palisade.hub.broker.HubExtension;
import dev.palisade.hub.broker.TrustStoreSync;
import dev.palisade.hub.enroll.EnrollmentInterceptor;
import dev.palisade.hub.enroll.EnrollmentService;
import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.hub.registry.EnrollmentStore;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.SqliteEnrollmentStore;
import dev.palisade.protocol.enroll.ChallengeClock;
import dev.palisade.hub.registry.RegistryException;
import dev.palisade.hub.registry.SqliteHubRegistry;

/**
 * The running hub: HiveMQ CE embedded with the hub extension, a mutual-TLS listener, the
 * registry, and the truststore kept in step with it. {@link #close()} stops all of it.
 */
public final class HubServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HubServer.class);
    /** Seconds between checks of the registry for trust changes made by the admin commands. */
    private static final int TRUST_POLL_SECONDS = 2;

    private final HubSettings settings;
    private final HubRegistry registry;
    private final TrustStoreSync trustStore;
    private final EmbeddedHiveMQ broker;
    private final Path readyFile;
    private final EnrollmentStore enrollments;
    private final EnrollmentService enrollmentService;

    private HubServer(HubSettings settings, HubRegistry registry, TrustStoreSync trustStore, EmbeddedHiveMQ broker,
            Path readyFile, EnrollmentStore enrollments, EnrollmentService enrollmentService) {
        this.settings = settings;
        this.enrollments = enrollments;
        this.enrollmentService = enrollmentService;
        this.registry = registry;
        this.trustStore = trustStore;
        this.broker = broker;
        this.readyFile = readyFile;
    }

    /**
     * Starts the hub and returns once its listener accepts connections.
     *
     * @throws IOException naming what could not be prepared or why the broker did not start
     */
    public static HubServer start(HubSettings settings, Clock clock) throws IOException, RegistryException {
        return start(settings, EnrollmentSettings.defaults(), clock);
    }

    /**
     * Starts the hub with these enrollment settings (docs/protocol.md) and returns once its
     * listener accepts connections.
     *
     * @throws IOException naming what could not be prepared or why the broker did not start
     */
    public static HubServer start(HubSettings settings, EnrollmentSettings enrollmentSettings, Clock clock)
            throws IOException, RegistryException {
        Path data = settings.dataDir().toAbsolutePath();
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        HubRegistry registry = SqliteHubRegistry.open(settings.registryFile());
        TrustStoreSync trust = null;
        EmbeddedHiveMQ broker = null;
        EnrollmentStore enrollments = null;
        EnrollmentService enrollmentService = null;
        try {
            ServerIdentity identity = ServerIdentity.resolve(settings);
            Path brokerDir = data.resolve("broker");
            Path conf = brokerDir.resolve("conf");
            Files.createDirectories(conf);
            Files.createDirectories(brokerDir.resolve("extensions"));
            Files.createDirectories(brokerDir.resolve("data"));
            String trustPassword = randomPassword();
            trust = new TrustStoreSync(registry, brokerDir.resolve("truststore.p12"), trustPassword.toCharArray());
            trust.refresh();
            Path config = conf.resolve("config.xml");
            Files.writeString(config, brokerConfig(settings, identity, brokerDir.resolve("truststore.p12"), trustPassword),
                    StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));

            enrollments = SqliteEnrollmentStore.open(settings.registryFile());
            enrollmentService = new EnrollmentService(enrollmentSettings, registry, enrollments,
                    new ChallengeClock(new SecureRandom(), enrollmentSettings.challengeLifetime()), clock);
            HubExtension hub = new HubExtension(new GatewayAuthenticator(registry),
                    new EnrollmentInterceptor(enrollmentService, enrollmentSettings.allowUnenrolledChildren(),
                            enrollmentSettings.maxMessagesInFlight()), clock);
            if (enrollmentSettings.allowUnenrolledChildren()) {
                LOG.warn("--allow-unenrolled-children: gateways may publish for children they have not enrolled;"
                        + " a transition mode for gateways that do not enroll yet, never for production");
            }
            trust.onChange(hub::recheckConnectedGateways);
            EmbeddedExtension extension = EmbeddedExtension.builder()
                    .withId("palisade-hub").withName("Palisade hub").withVersion("1")
                    .withPriority(1000).withStartPriority(1000)
                    .withExtensionMain(hub)
                    .build();
            broker = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(brokerDir.resolve("data"))
                    .withExtensionsFolder(brokerDir.resolve("extensions"))
                    .withEmbeddedExtension(extension)
                    .withoutLoggingBootstrap()
                    .build();
            broker.start().get(120, TimeUnit.SECONDS);
            trust.start(TRUST_POLL_SECONDS);
            Path ready = data.resolve("hub.ready");
            Files.writeString(ready, settings.bindAddress() + ":" + settings.port() + "\n", StandardCharsets.UTF_8);
            LOG.info("Palisade hub listening for gateways (mutual TLS) on {}:{}; data {}", settings.bindAddress(),
                    settings.port(), data);
            return new HubServer(settings, registry, trust, broker, ready, enrollments, enrollmentService);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanUp(registry, trust, broker, enrollments, enrollmentService);
            throw new IOException("interrupted while the broker started", e);
        } catch (ExecutionException | TimeoutException e) {
            cleanUp(registry, trust, broker, enrollments, enrollmentService);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException("the broker did not start on " + settings.bindAddress() + ":" + settings.port()
                    + " (is the port in use?): " + cause, e);
        } catch (IOException | RegistryException | RuntimeException e) {
            cleanUp(registry, trust, broker, enrollments, enrollmentService);
            throw e;
        }
    }

    private static void cleanUp(HubRegistry registry, TrustStoreSync trust, EmbeddedHiveMQ broker, EnrollmentStore enrollments,
            EnrollmentService enrollmentService) {
        // The poller first: it must not re-check sessions on a broker that is shutting down.
        if (trust != null) {
            trust.close();
        }
        if (broker != null) {
            try {
                broker.close();
            } catch (Exception e) {
                LOG.warn("the broker did not stop cleanly: {}", e.toString());
            }
        }
        if (enrollmentService != null) { // after the broker: no proof batch is being answered any more
            enrollmentService.close();
        }
        registry.close();
        if (enrollments != null) {
            enrollments.close();
        }
    }

    /**
     * The largest MQTT packet the broker reads: the protocol's largest message
     * ({@link dev.palisade.protocol.enroll.Wire#MAX_MESSAGE_BYTES}) and room for the fixed header,
     * topic and properties. Without it HiveMQ's default (256 MiB) lets any gateway make the hub
     * buffer a quarter gigabyte per packet; a larger packet closes the connection (MQTT 0x95).
     */
    static final int MAX_PACKET_BYTES = dev.palisade.protocol.enroll.Wire.MAX_MESSAGE_BYTES + 64 * 1024;

    static String brokerConfig(HubSettings s, ServerIdentity identity, Path truststore, String trustPassword) {
        return """
                <?xml version="1.0"?>
                <!-- Written by the Palisade hub at every start; edits are overwritten. -->
                <hivemq>
                  <listeners>
                    <tls-tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                      <name>palisade-gateways-mtls</name>
                      <tls>
                        <keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore>
                        <truststore><path>%s</path><password>%s</password></truststore>
                        <protocols><protocol>TLSv1.3</protocol><protocol>TLSv1.2</protocol></protocols>
                        <client-authentication-mode>REQUIRED</client-authentication-mode>
                      </tls>
                    </tls-tcp-listener>
                  </listeners>
                  <mqtt>
                    <queued-messages><max-queue-size>%d</max-queue-size><strategy>discard</strategy></queued-messages>
                    <receive-maximum><server-receive-maximum>%d</server-receive-maximum></receive-maximum>
                    <packets><max-packet-size>%d</max-packet-size></packets>
                  </mqtt>
                  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                  <persistence><mode>%s</mode></persistence>
                </hivemq>
                """.formatted(s.port(), xml(s.bindAddress()), xml(identity.keystore().toAbsolutePath().toString()),
                xml(identity.password()), xml(identity.password()), xml(truststore.toAbsolutePath().toString()),
                xml(trustPassword), s.maxQueueSize(), s.serverReceiveMaximum(), MAX_PACKET_BYTES,
                s.filePersistence() ? "file" : "in-memory");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String randomPassword() {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    public HubSettings settings() {
        return settings;
    }

    /** The registry this hub serves from (shared with the admin commands through the database). */
    public HubRegistry registry() {
        return registry;
    }

    /** Refreshes the truststore now instead of at the next poll. */
    public void refreshTrust() throws IOException, RegistryException {
        trustStore.refresh();
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(readyFile);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", readyFile, e.getMessage());
        }
        cleanUp(registry, trustStore, broker, enrollments, enrollmentService);
        LOG.info("Palisade hub stopped");
    }
}
