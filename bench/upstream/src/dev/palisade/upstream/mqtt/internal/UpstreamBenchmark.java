package dev.palisade.upstream.mqtt.internal;

import dev.palisade.api.upstream.PublishOptions;
import dev.palisade.api.upstream.Spool;
import dev.palisade.api.upstream.Upstream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.osgi.framework.BundleContext;

/**
 * End-to-end benchmark of the hub link (see docs/benchmarks.md, "Hub link"): the real spool and
 * the link over mutual TLS (gateway key on SoftHSM2, BCJSSE) against raw Paho publishing QoS 1
 * with the same key, window and broker in the same run. Rates are end-to-end: counted at a
 * subscriber on the broker. Run with bench/upstream/run.sh.
 */
public final class UpstreamBenchmark {

    private static final int WINDOW = 256;
    private static final int SIZE = 100;

    public static void main(String[] args) throws Exception {
        int online = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int outage = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String sync = args.length > 3 ? args[3] : "GROUPED";
        Path work = Files.createTempDirectory("upstream-bench");
        TestPki pki = new TestPki("bench-ca");
        SoftHsmGateway gateway = SoftHsmGateway.get(pki);
        try (Mosquitto broker = new Mosquitto(work.resolve("broker"), pki, List.of("ip:127.0.0.1"), 1000).start();
                Observer observer = new Observer(broker.uri(), pki, "bench-observer").connect("palisade/v1/gw-test/d/+/telemetry")) {
            Path anchors = TestPki.writePem(work.resolve("anchors.pem"), pki.ca);
            Object spoolComponent = spool(work.resolve("data"), sync);
            Upstream upstream = (Upstream) spoolComponent;
            Spool spool = (Spool) Class.forName("dev.palisade.spool.internal.BundleSpool")
                    .getConstructor(spoolComponent.getClass()).newInstance(spoolComponent);
            System.out.printf("messages: %d online, %d for the outage; payload %d bytes; window %d; QoS 1;"
                    + " Mosquitto Receive Maximum 1000; spool sync %s%n", online, outage, SIZE, WINDOW, sync);
            for (int round = 1; round <= rounds; round++) {
                double raw = raw(broker, gateway, anchors, observer, online);
                double link = viaLink(broker, gateway, anchors, observer, upstream, spool, online, work);
                System.out.printf("round %d online: raw Paho %.0f msg/s, spool+link %.0f msg/s (%.2f x raw)%n", round, raw,
                        link, link / raw);
            }
            String rawLatency = latency("raw Paho", observer, rate -> rawPaced(broker, gateway, anchors, observer, rate));
            String linkLatency = latency("spool+link", observer,
                    rate -> linkPaced(broker, gateway, anchors, observer, upstream, spool, rate));
            System.out.println(rawLatency);
            System.out.println(linkLatency);
            drain(broker, gateway, anchors, observer, upstream, spool, outage);
            java.lang.reflect.Method stop = spoolComponent.getClass().getDeclaredMethod("deactivate");
            stop.setAccessible(true);
            stop.invoke(spoolComponent);
        }
    }

    interface Paced {
        void run(int rate) throws Exception;
    }

    private static String latency(String name, Observer observer, Paced paced) throws Exception {
        observer.reset();
        observer.recordLatency = true;
        paced.run(1_000);
        observer.recordLatency = false;
        List<Long> values = new ArrayList<>(observer.latencyNanos);
        Collections.sort(values);
        return String.format("%s at 1000 msg/s for 5 s: end-to-end latency p50 %.2f ms, p99 %.2f ms (%d samples)", name,
                values.get(values.size() / 2) / 1e6, values.get((int) (values.size() * 0.99)) / 1e6, values.size());
    }

    private static byte[] payload(long sequence) {
        return ByteBuffer.allocate(SIZE).putLong(sequence).putLong(System.nanoTime()).array();
    }

    private static MqttAsyncClient rawClient(Mosquitto broker, SoftHsmGateway gateway, Path anchors) throws Exception {
        SSLContext context = gateway.sslContext(new TrustManager[] {HubTrust.forHub("", anchors.toString(), null, "127.0.0.1")},
                SoftHsmGateway.BCJSSE);
        MqttAsyncClient client = new MqttAsyncClient(broker.uri(), "gw-raw", new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSocketFactory(context.getSocketFactory());
        options.setHttpsHostnameVerificationEnabled(true);
        client.connect(options).waitForCompletion(15_000);
        return client;
    }

    private static void rawPublish(MqttAsyncClient client, Semaphore window, long sequence) throws Exception {
        window.acquire();
        client.publish("palisade/v1/gw-test/d/raw/telemetry", new MqttMessage(payload(sequence), 1, false, null), null,
                new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        window.release();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable failure) {
                        window.release();
                    }
                });
    }

    private static double raw(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Observer observer, int count) throws Exception {
        observer.reset();
        MqttAsyncClient client = rawClient(broker, gateway, anchors);
        Semaphore window = new Semaphore(WINDOW);
        long start = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            rawPublish(client, window, i);
        }
        observer.awaitDistinct(count, 300);
        double rate = count / ((System.nanoTime() - start) / 1e9);
        check(observer, count, "raw");
        client.disconnect().waitForCompletion(5_000);
        client.close();
        return rate;
    }

    private static void rawPaced(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Observer observer, int rate) throws Exception {
        MqttAsyncClient client = rawClient(broker, gateway, anchors);
        Semaphore window = new Semaphore(WINDOW);
        int count = rate * 5;
        long start = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            pace(start, i, rate);
            rawPublish(client, window, i);
        }
        observer.awaitDistinct(count, 60);
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    private static MqttLinkComponent link(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Spool spool) {
        MqttLinkComponent link = new MqttLinkComponent(Configs.link(Map.of("hub.uri", broker.uri(),
                "hub.trust.anchors", anchors.toString(), "inflight.window", WINDOW)));
        link.bindForTest(gateway, spool, null);
        return link;
    }

    private static void awaitUp(MqttLinkComponent link) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (link.state() != dev.palisade.api.upstream.LinkState.UP) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("link not UP: " + link.detail());
            }
            Mosquitto.sleep(10);
        }
    }

    private static double viaLink(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Observer observer, Upstream upstream,
            Spool spool, int count, Path work) throws Exception {
        observer.reset();
        MqttLinkComponent link = link(broker, gateway, anchors, spool);
        awaitUp(link);
        long start = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            upstream.publish("meter", Upstream.TELEMETRY, payload(i), PublishOptions.priority(5));
        }
        observer.awaitDistinct(count, 300);
        double rate = count / ((System.nanoTime() - start) / 1e9);
        check(observer, count, "link");
        link.deactivate();
        return rate;
    }

    private static void linkPaced(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Observer observer, Upstream upstream,
            Spool spool, int rate) throws Exception {
        MqttLinkComponent link = link(broker, gateway, anchors, spool);
        awaitUp(link);
        int count = rate * 5;
        long start = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            pace(start, i, rate);
            upstream.publish("meter", Upstream.TELEMETRY, payload(i), PublishOptions.priority(5));
        }
        observer.awaitDistinct(count, 60);
        link.deactivate();
    }

    private static void drain(Mosquitto broker, SoftHsmGateway gateway, Path anchors, Observer observer, Upstream upstream,
            Spool spool, int count) throws Exception {
        observer.reset();
        long start = System.nanoTime();
        for (long i = 1; i <= count; i++) {
            upstream.publish("meter", Upstream.TELEMETRY, payload(i), PublishOptions.priority(5));
        }
        double appendRate = count / ((System.nanoTime() - start) / 1e9);
        long drainStart = System.nanoTime();
        MqttLinkComponent link = link(broker, gateway, anchors, spool);
        observer.awaitDistinct(count, 600);
        double drainRate = count / ((System.nanoTime() - drainStart) / 1e9);
        check(observer, count, "drain");
        link.deactivate();
        System.out.printf("outage of %d messages (hub away, link not running): spool accepted %.0f msg/s;"
                + " drain after the link started (connect included): %.0f msg/s; %d duplicates, %d lost%n", count, appendRate,
                drainRate, observer.duplicates(), count - observer.distinct());
    }

    private static void check(Observer observer, int count, String phase) {
        if (observer.distinct() != count) {
            throw new IllegalStateException(phase + ": " + observer.distinct() + " of " + count + " arrived");
        }
    }

    private static void pace(long start, long i, int rate) {
        long due = start + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
    }

    /** The real spool component, built as DS would, with the given sync policy (GROUPED: fsync per 100 messages or 200 ms). */
    private static Object spool(Path data, String syncPolicy) throws Exception {
        Class<?> component = Class.forName("dev.palisade.spool.internal.SpoolComponent");
        Class<?> config = Class.forName("dev.palisade.spool.internal.SpoolComponent$Config");
        Map<String, Object> values = new HashMap<>();
        Class<?> sync = Class.forName("dev.palisade.spool.internal.SpoolComponent$SyncPolicy");
        values.put("sync", Enum.valueOf(sync.asSubclass(Enum.class), syncPolicy));
        values.put("max_messages", 2_000_000L);
        values.put("max_bytes", 1024L * 1024 * 1024);
        Object configProxy = Proxy.newProxyInstance(config.getClassLoader(), new Class<?>[] {config}, (self, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            if (method.getDefaultValue() != null) {
                return method.getDefaultValue();
            }
            if (method.getName().equals("annotationType")) {
                return config;
            }
            throw new UnsupportedOperationException(method.getName());
        });
        Files.createDirectories(data);
        BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (self, method, args) -> {
                    if (method.getName().equals("getProperty") && "palisade.data".equals(args[0])) {
                        return data.toString();
                    }
                    return null;
                });
        Constructor<?> constructor = component.getConstructor(config, BundleContext.class);
        return constructor.newInstance(configProxy, context);
    }
}
