package dev.palisade.trust.internal;

import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import dev.palisade.api.trust.CrlStatus;
import dev.palisade.api.trust.RejectReason;
import dev.palisade.api.trust.RevocationPolicy;
import dev.palisade.api.trust.TrustDomainInfo;
import dev.palisade.api.trust.TrustRequest;
import dev.palisade.api.trust.TrustService;
import dev.palisade.api.trust.Verdict;
import java.io.IOException;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TrustService}: routes each request to its domain by name, answers from the verdict
 * cache when it can, and otherwise runs the engine with the one Bouncy Castle provider instance
 * it holds (not registered with {@code java.security.Security}: nothing else in the JVM changes).
 * Satisfied with no domain at all, answering {@link RejectReason#UNKNOWN_DOMAIN}, so the
 * gateway is healthy before any domain is configured.
 *
 * <p>Invalidation: any domain appearing, going or being reconfigured, and any deny-list change,
 * bumps the generation and empties the cache; a domain reloading changed files makes a new
 * {@link DomainState}, and the deny-list applies a new state in place, both of which a cached
 * entry is compared with by identity, so no verdict outlives what it was computed from.
 */
@Component(configurationPid = TrustServiceComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {TrustService.class, HealthIndicator.class}, immediate = true)
@Designate(ocd = TrustServiceComponent.Config.class)
public final class TrustServiceComponent implements TrustService, HealthIndicator {

    static final String PID = "dev.palisade.trust";

    private static final Logger LOG = LoggerFactory.getLogger(TrustServiceComponent.class);

    /** No deny-list configured: one fixed instance, so that cached entries compare equal. */
    private static final DenyListComponent.State NO_DENY_LIST = new DenyListComponent.State(DenyList.EMPTY, null, Instant.EPOCH);

    @ObjectClassDefinition(name = "Palisade trust service", description = "The verdict cache shared by all trust domains.")
    @interface Config {
        @AttributeDefinition(name = "Cache entries", description = "Most accepted verdicts kept; 0 disables the cache.")
        int cache_max_entries() default 10_000;

        @AttributeDefinition(name = "Fetch CRLs", description = "Fetch CRLs from the http distribution points of"
                + " validated paths in domains that check revocation (in the background; verification never waits).")
        boolean crl_fetch_enabled() default true;

        @AttributeDefinition(name = "CRL size limit (bytes)", description = "Largest CRL response accepted.")
        int crl_fetch_max_bytes() default 1024 * 1024;

        @AttributeDefinition(name = "CRL fetch timeout (ms)", description = "Connect and download, per fetch.")
        long crl_fetch_timeout_ms() default 10_000;

        @AttributeDefinition(name = "CRL refresh (seconds)", description = "Longest time between two fetches of one"
                + " CRL; it is also fetched again at its nextUpdate.")
        long crl_refresh_seconds() default 3600;

        @AttributeDefinition(name = "CRL retry (seconds)", description = "First wait after a failed fetch, doubling up"
                + " to the refresh time.")
        long crl_retry_seconds() default 60;

        @AttributeDefinition(name = "CRL URLs", description = "Most distribution point URLs followed.")
        int crl_fetch_max_urls() default 256;

        @AttributeDefinition(name = "CRL cache directory", required = false, description = "Where fetched CRLs are kept;"
                + " empty: trust/crls under the gateway's data directory.")
        String crl_cache_dir() default "";
    }

    /**
     * Created on the first verification, not at activation: building a BouncyCastleProvider
     * registers hundreds of algorithms and loads their classes (several MB of heap and tens of
     * milliseconds), which a gateway with no trust domain never needs (docs/benchmarks.md).
     */
    private volatile Provider provider;
    private final VerdictCache cache;
    private final Clock clock;
    private final AtomicLong generation = new AtomicLong();
    private final Set<TrustDomainComponent> domains = ConcurrentHashMap.newKeySet();
    private volatile Map<String, List<TrustDomainComponent>> byName = Map.of();
    private volatile DenyListComponent denyList;

    private final CrlFetcher fetcher;
    /** Decoded issuing CAs that devices present, shared by every domain (a decoding is domain-free). */
    private final IssuerCache issuers = new IssuerCache();

    /**
     * @param config the typed configuration
     * @param context for the gateway's data directory (framework property {@code palisade.data})
     */
    @Activate
    public TrustServiceComponent(Config config, BundleContext context) {
        this(config, Clock.systemUTC(), crlDirectory(config, context));
    }

    private static Path crlDirectory(Config config, BundleContext context) {
        if (!config.crl_cache_dir().isBlank()) {
            return Path.of(config.crl_cache_dir());
        }
        String data = context.getProperty("palisade.data");
        return (data != null ? Path.of(data) : context.getDataFile("data").toPath()).resolve("trust").resolve("crls");
    }

    /**
     * @param config the typed configuration
     * @param clock what "now" is for requests without a validation time
     */
    TrustServiceComponent(Config config, Clock clock) {
        this(config, clock, null);
    }

    /**
     * @param config the typed configuration
     * @param clock what "now" is
     * @param crlDirectory where fetched CRLs are kept, or null to fetch none
     */
    TrustServiceComponent(Config config, Clock clock, Path crlDirectory) {
        this.cache = new VerdictCache(config.cache_max_entries());
        this.clock = clock;
        if (config.crl_fetch_enabled() && crlDirectory != null) {
            if (config.crl_fetch_max_bytes() < 1 || config.crl_fetch_timeout_ms() < 1 || config.crl_refresh_seconds() < 1
                    || config.crl_retry_seconds() < 1 || config.crl_fetch_max_urls() < 1) {
                throw new IllegalArgumentException("the crl.* limits of " + PID + " must be positive");
            }
            this.fetcher = new CrlFetcher(new CrlFetcher.Settings(crlDirectory, config.crl_fetch_max_bytes(),
                    Duration.ofMillis(config.crl_fetch_timeout_ms()), Duration.ofSeconds(config.crl_refresh_seconds()),
                    Duration.ofSeconds(config.crl_retry_seconds()), config.crl_fetch_max_urls()), clock, this::provider,
                    this::changed);
        } else {
            this.fetcher = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (fetcher != null) {
            fetcher.close();
        }
    }

    /** For tests and the health report: the fetcher, or null when fetching is off. */
    CrlFetcher fetcher() {
        return fetcher;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeDomain")
    void addDomain(TrustDomainComponent domain) {
        domains.add(domain);
        changed();
    }

    void removeDomain(TrustDomainComponent domain) {
        domains.remove(domain);
        changed();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetDenyList", updated = "updatedDenyList")
    void setDenyList(DenyListComponent list) {
        denyList = list;
        changed();
    }

    void unsetDenyList(DenyListComponent list) {
        if (denyList == list) {
            denyList = null;
        }
        changed();
    }

    /** Called when the deny-list component applied a new configuration in place. */
    void updatedDenyList(DenyListComponent list) {
        changed();
    }

    /** Synchronized: binds and unbinds may come from several threads, and the newest map must win. */
    private synchronized void changed() {
        byName = domains.stream().collect(Collectors.groupingBy(TrustDomainComponent::name, TreeMap::new, Collectors.toList()));
        generation.incrementAndGet();
        cache.clear();
    }

    DenyListComponent.State denyState() {
        DenyListComponent list = denyList;
        return list == null ? NO_DENY_LIST : list.current();
    }

    @Override
    public Verdict verify(TrustRequest request) {
        Objects.requireNonNull(request, "request");
        long gen = generation.get();
        List<TrustDomainComponent> named = byName.getOrDefault(request.domain(), List.of());
        if (named.size() != 1) {
            return named.isEmpty() ? unknown(request.domain()) : Verdict.reject(RejectReason.INTERNAL, -1, "trust domain '"
                    + Text.safe(request.domain()) + "' is configured " + named.size() + " times; give each "
                    + TrustDomainComponent.PID + " configuration its own name");
        }
        DomainState domain = named.get(0).current();
        DenyListComponent.State deny = denyState();
        if (deny.broken() != null) {
            return Verdict.reject(RejectReason.DENIED, -1, "the operator's deny-list is unreadable, so every chain is"
                    + " refused: " + deny.broken());
        }
        if (domain.isDown()) {
            return Verdict.reject(domain.downReason(), -1, "trust domain '" + domain.name() + "' is down: " + domain.down());
        }
        List<byte[]> chain = request.chain();
        Instant now = clock.instant();
        // Only "now" requests are cached: a verdict at a chosen time says nothing about another time.
        VerdictCache.Key key = request.validationTime() == null
                ? VerdictCache.Key.of(request.domain(), request.purpose(), request.expectedIdentity(), chain) : null;
        if (key != null) {
            Verdict cached = cache.get(key, domain, deny, gen, now);
            if (cached != null) {
                return cached;
            }
        }
        ChainVerifier.Result result = new ChainVerifier(domain.name(), domain.policy(), domain.material(), provider(),
                fetcher != null ? fetcher : CrlSource.NONE, issuers)
                .verify(chain, request.purpose(), request.validationTime() != null ? request.validationTime() : now,
                        request.expectedIdentity(), deny.list());
        Verdict verdict = result.verdict();
        if (verdict.reason() == RejectReason.INTERNAL) {
            LOG.warn("Trust domain '{}': the verifier failed and rejected the chain: {}", domain.name(), verdict.message());
        }
        if (key != null && verdict.accepted() && result.validUntil() != null) {
            cache.put(key, new VerdictCache.Entry(verdict, result.validUntil(), domain, deny, gen));
        }
        return verdict;
    }

    private Verdict unknown(String name) {
        Set<String> names = byName.keySet();
        return Verdict.reject(RejectReason.UNKNOWN_DOMAIN, -1, "no trust domain '" + Text.safe(name) + "' is configured"
                + (names.isEmpty() ? " (none is: add etc/" + TrustDomainComponent.PID + "-<name>.cfg, see docs/trust.md)"
                        : " (configured: " + String.join(", ", names) + ")"));
    }

    @Override
    public X509ExtendedTrustManager trustManager(String domain, String expectedIdentity) {
        return new DomainTrustManager(this, Objects.requireNonNull(domain, "domain"), expectedIdentity);
    }

    @Override
    public List<TrustDomainInfo> domains() {
        List<TrustDomainInfo> out = new ArrayList<>();
        for (List<TrustDomainComponent> named : byName.values()) {
            named.forEach(d -> out.add(info(d.current())));
        }
        out.sort(Comparator.comparing(TrustDomainInfo::name));
        return List.copyOf(out);
    }

    @Override
    public Optional<TrustDomainInfo> domain(String name) {
        List<TrustDomainComponent> named = byName.getOrDefault(Objects.requireNonNull(name, "name"), List.of());
        return named.isEmpty() ? Optional.empty() : Optional.of(info(named.get(0).current()));
    }

    /** @return the domains as loaded now, by name, for health and {@code palisade:trust} */
    List<DomainState> states() {
        List<DomainState> out = new ArrayList<>();
        byName.values().forEach(named -> named.forEach(d -> out.add(d.current())));
        return out;
    }

    private TrustDomainInfo info(DomainState state) {
        DenyListComponent.State deny = denyState();
        List<CrlStatus> crls = new ArrayList<>();
        if (state.material() != null) {
            for (Crl crl : state.material().crls) {
                crls.add(new CrlStatus(principal(crl), crl.thisUpdate, crl.nextUpdate, crl.source, crl.revokedCount(),
                        crl.loadedAt));
            }
        }
        Instant changedAt = deny.changedAt().isAfter(state.loadedAt()) ? deny.changedAt() : state.loadedAt();
        return new TrustDomainInfo(state.name(), state.anchors(), state.material() == null ? 0 : state.material().pool.size(),
                state.maxDepth(), state.revocation(),
                state.revocation() == RevocationPolicy.GRACE_PERIOD ? state.grace() : Duration.ZERO, crls,
                deny.list().size(), changedAt);
    }

    private static X500Principal principal(Crl crl) {
        try {
            return new X500Principal(crl.issuer.getEncoded());
        } catch (IOException e) {
            // The name was decoded from this very CRL's DER; re-encoding it cannot fail.
            throw new IllegalStateException("cannot re-encode the issuer of the CRL from " + crl.source, e);
        }
    }

    @Override
    public HealthReport health() {
        HealthReport report = TrustHealth.report(states(), denyState(), clock.instant());
        if (fetcher == null) {
            return report;
        }
        Map<String, String> details = new java.util.LinkedHashMap<>(report.details());
        fetcher.status(clock.instant()).forEach((url, status) -> details.put("crl " + url, status));
        return new HealthReport(report.component(), report.health(), report.summary(), details, report.checkedAt());
    }

    /** For tests: entries in the verdict cache. */
    int cached() {
        return cache.size();
    }

    private Provider provider() {
        Provider current = provider;
        if (current == null) {
            synchronized (this) {
                current = provider;
                if (current == null) {
                    current = new BouncyCastleProvider();
                    provider = current;
                }
            }
        }
        return current;
    }
}
