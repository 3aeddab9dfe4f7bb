package dev.palisade.distro;

import dev.palisade.api.upstream.HubLink;
import dev.palisade.api.upstream.LinkState;
import dev.palisade.testkit.TestArchives;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The link replaced side by side (make-before-break, {@code LinkHandover}) again and again, for
 * {@link BundleSwapLeakIT}: a newer version installed beside the running link and started; once
 * it is UP, the old bundle is uninstalled and refreshed — what the deployer does. After each
 * round: none of the old link's threads alive, no thread keeps its class loader, no more link
 * threads than after the first round, the gateway working and the other bundles undisturbed
 * (their threads, the Modbus devices and their connection); after the last, every replaced
 * revision's class loader collectable.
 */
final class LinkBesideSwaps {

    private LinkBesideSwaps() {
    }

    static List<String> run(BundleSwapLeakIT test, BundleContext context, Path work, int rounds) throws Exception {
        String bsn = BundleSwapLeakIT.UPSTREAM;
        List<String> problems = new ArrayList<>();
        List<WeakReference<ClassLoader>> staleLoaders = new ArrayList<>();
        Path shipped = null;
        Map<String, Integer> firstRound = null;
        for (int round = 1; round <= rounds; round++) {
            String where = bsn + " side-by-side round " + round + "/" + rounds;
            Bundle old = newest(context, bsn);
            if (shipped == null) {
                shipped = Path.of(URI.create(old.getLocation().replaceFirst("^reference:", "")));
            }
            // A path with /bundle/ in it: the test's gateway checks look at bundles installed from such folders.
            Path jar = Files.createDirectories(work.resolve("beside/bundle")).resolve(bsn + "-beside-" + round + ".jar");
            int micro = round;
            TestArchives.doctor(shipped, jar, e -> e.put("META-INF/MANIFEST.MF",
                    TestArchives.withMicroVersionRaised(e.get("META-INF/MANIFEST.MF"), micro)));
            SwapSessions before = SwapSessions.capture(test, bsn);
            ClassLoader oldLoader = old.adapt(BundleWiring.class).getClassLoader();
            staleLoaders.add(new WeakReference<>(oldLoader));

            Bundle beside = context.installBundle(jar.toUri().toString());
            beside.start();
            if (!await(60, () -> linkUp(context, beside))) {
                problems.add(where + ": the new link did not come UP beside the old one within 60 s: " + test.gatewayProblems());
                return problems;
            }
            // The new link took over (LinkHandover), not just connected beside the old one and taken its session.
            String handedOver = "Hub link: handed over to " + bsn + " " + beside.getVersion() + " (bundle " + beside.getBundleId() + ")";
            if (!await(10, () -> logContains(context, handedOver))) {
                problems.add(where + ": the gateway's log has no '" + handedOver + "'");
            }
            old.uninstall();
            test.refresh(old);
            if (!await(60, () -> test.gatewayProblems().isEmpty())) {
                problems.add(where + ": the gateway did not work again within 60 s: " + test.gatewayProblems());
                return problems;
            }
            for (Thread thread : before.census.threads()) {
                if (thread.isAlive() && bsn.equals(ThreadCensus.ownerByName(thread.getName(), test.threadOwners()))
                        && !await(5, () -> !thread.isAlive())) {
                    problems.add(where + ": the old link's thread '" + thread.getName() + "' is still alive");
                }
            }
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.getContextClassLoader() == oldLoader) {
                    problems.add(where + ": thread '" + thread.getName() + "' keeps the old link's class loader");
                }
            }
            oldLoader = null; // only the weak reference from here: the revision must be collectable
            problems.addAll(before.disturbedBy(where, SwapSessions.capture(test, bsn)));
            Map<String, Integer> counts = linkThreads(test);
            if (firstRound == null) {
                firstRound = counts;
            } else if (!counts.equals(firstRound)) {
                problems.add(where + ": the link's threads were " + firstRound + " after round 1 and are " + counts + " now");
            }
        }
        List<Integer> pinned = StaleRevisions.reachable(staleLoaders);
        if (!pinned.isEmpty()) {
            problems.add(bsn + ": the class loaders of the links replaced side by side in rounds " + pinned
                    + " are still reachable after GC");
        }
        return problems;
    }

    private static boolean logContains(BundleContext context, String text) {
        try {
            return Files.readString(Path.of(context.getProperty("palisade.data")).resolve("log/palisade.log")).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Map<String, Integer> linkThreads(BundleSwapLeakIT test) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        ThreadCensus.now().countsByName().forEach((pattern, count) -> {
            if (BundleSwapLeakIT.UPSTREAM.equals(ThreadCensus.ownerByName(pattern, test.threadOwners()))) {
                counts.put(pattern, count);
            }
        });
        return counts;
    }

    private static Bundle newest(BundleContext context, String bsn) {
        Bundle found = null;
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                found = b;
            }
        }
        if (found == null) {
            throw new AssertionError(bsn + " is not installed");
        }
        return found;
    }

    /** @return whether {@code bundle} registered a HubLink that is UP */
    static boolean linkUp(BundleContext context, Bundle bundle) {
        ServiceReference<?>[] refs = bundle.getRegisteredServices();
        for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
            if (List.of((String[]) ref.getProperty(Constants.OBJECTCLASS)).contains(HubLink.class.getName())) {
                HubLink link = (HubLink) context.getService(ref);
                try {
                    return link != null && link.state() == LinkState.UP;
                } finally {
                    context.ungetService(ref);
                }
            }
        }
        return false;
    }

    private static boolean await(int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
