package dev.palisade.spool.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.SpoolMessage;
import dev.palisade.api.upstream.Upstream;
import dev.palisade.api.upstream.UpstreamException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool: owns the journal in the gateway's data directory, provides {@link Upstream} to
 * producers and the health report, and is what the bundle-scoped {@link BundleSpool} hands to
 * the link. Configured by {@code etc/dev.palisade.spool.cfg}; works with the defaults. One
 * thread ({@code palisade-spool}) syncs grouped writes and acknowledgements, expires messages and
 * deletes fully sent segments; it stops on deactivation, and the files stay for the next start.
 */
@Component(configurationPid = SpoolComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {Upstream.class, HealthIndicator.class, SpoolComponent.class}, immediate = true)
@Designate(ocd = SpoolComponent.Config.class)
public final class SpoolComponent implements Upstream, HealthIndicator {

    static final String PID = "dev.palisade.spool";

    private static final Logger LOG = LoggerFactory.getLogger(SpoolComponent.class);

    /** When appends return. */
    public enum SyncPolicy {
        /** fsync before every append returns (appends from several producers share one fsync). */
        EVERY_MESSAGE,
        /** fsync after sync.count messages or sync.interval.ms, whichever comes first. */
        GROUPED
    }

    @ObjectClassDefinition(name = "Palisade spool",
            description = "The durable store-and-forward journal between producers and the hub link.")
    @interface Config {
        @AttributeDefinition(name = "Directory",
                description = "Where the journal lives. Relative paths resolve against the gateway's data directory."
                        + " Never shared by two gateways.")
        String directory() default "spool";

        @AttributeDefinition(name = "Maximum bytes", description = "Bound on the payload bytes held.")
        long max_bytes() default 64L * 1024 * 1024;

        @AttributeDefinition(name = "Maximum messages",
                description = "Bound on the messages held. Each costs about 27 bytes of heap (the payload stays on disk).")
        long max_messages() default 200_000;

        @AttributeDefinition(name = "Maximum message size", description = "Largest payload accepted, in bytes.")
        int max_message_bytes() default 256 * 1024;

        @AttributeDefinition(name = "Overflow policy",
                description = "DROP_OLDEST drops the oldest message of the lowest priority held (never one more urgent"
                        + " than the new one, never one in flight); REFUSE refuses new messages with SPOOL_FULL.")
        JournalSettings.OverflowPolicy overflow() default JournalSettings.OverflowPolicy.DROP_OLDEST;

        @AttributeDefinition(name = "Sync policy",
                description = "EVERY_MESSAGE: a message survives a power cut once accepted. GROUPED: it survives a"
                        + " process kill at once, a power cut after the next group sync (sync.count / sync.interval.ms).")
        SyncPolicy sync() default SyncPolicy.EVERY_MESSAGE;

        @AttributeDefinition(name = "Group size", description = "GROUPED: sync at the latest after this many messages.")
        int sync_count() default 100;

        @AttributeDefinition(name = "Sync interval (ms)",
                description = "GROUPED: sync at the latest this long after a write. Both policies: how soon an"
                        + " acknowledgement becomes durable (until then a crash may send the message again).")
        long sync_interval_ms() default 200;

        @AttributeDefinition(name = "Default time to live (s)",
                description = "For messages published without one; 0 keeps them until sent.")
        long default_ttl_seconds() default 0;

        @AttributeDefinition(name = "Segment size", description = "Bytes per journal file before a new one starts.")
        long segment_bytes() default 8L * 1024 * 1024;
    }

    private final Journal journal;
    private final Duration defaultTtl;
    private final SyncPolicy syncPolicy;
    private final Clock clock;
    private final ScheduledExecutorService maintenance;

    /**
     * @param config the typed configuration
     * @param context for the gateway's data directory
     * @throws IOException if the journal cannot be opened (the message names the directory)
     */
    @Activate
    public SpoolComponent(Config config, BundleContext context) throws IOException {
        this(config, dataDirectory(context), Clock.systemUTC());
    }

    SpoolComponent(Config config, Path data, Clock clock) throws IOException {
        this.clock = clock;
        this.syncPolicy = config.sync();
        this.defaultTtl = config.default_ttl_seconds() > 0 ? Duration.ofSeconds(config.default_ttl_seconds()) : null;
        JournalSettings settings = new JournalSettings(config.max_messages(), config.max_bytes(),
                config.max_message_bytes(), config.segment_bytes(), config.overflow(),
                config.sync() == SyncPolicy.EVERY_MESSAGE, config.sync_count(),
                Duration.ofMillis(config.sync_interval_ms()));
        this.journal = Journal.open(data.resolve(config.directory()), settings, clock);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "palisade-spool");
            thread.setDaemon(true);
            return thread;
        });
        long interval = config.sync_interval_ms();
        maintenance.scheduleWithFixedDelay(journal::syncNow, interval, interval, TimeUnit.MILLISECONDS);
        maintenance.scheduleWithFixedDelay(() -> {
            journal.expireNow();
            journal.compact();
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static Path dataDirectory(BundleContext context) {
        String value = context.getProperty("palisade.data");
        return value != null ? Path.of(value) : context.getDataFile("data").toPath();
    }

    @Override
    public long publish(String childId, String suffix, byte[] payload, PublishOptions options)
            throws UpstreamException {
        if (childId == null || childId.isEmpty() || childId.chars().anyMatch(c -> c == '/' || c == '+' || c == '#' || c == 0)) {
            throw new IllegalArgumentException("child id '" + childId + "' must be one non-empty topic level without"
                    + " '/', '+', '#' or NUL");
        }
        if (suffix == null || suffix.equals("cmd") || suffix.startsWith("cmd/")) {
            throw new IllegalArgumentException("suffix '" + suffix + "' for child '" + childId
                    + "' must be given and must not begin with 'cmd', which is reserved for commands");
        }
        Instant now = clock.instant();
        Duration ttl = options.timeToLive() != null ? options.timeToLive() : defaultTtl;
        SpoolMessage message = new SpoolMessage(childId, "d/" + childId + "/" + suffix, payload, options.priority(),
                now, ttl == null ? null : now.plus(ttl));
        return journal.append(message);
    }

    @Override
    public HealthReport health() {
        return SpoolHealth.report(journal, syncPolicy, clock.instant());
    }

    Journal journal() {
        return journal;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        maintenance.shutdownNow();
        if (!maintenance.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("Spool maintenance thread did not stop within 10 s");
        }
        journal.close();
        LOG.info("Spool {} closed; its messages stay for the next start", journal.directory());
    }
}
