package dev.palisade.distro;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The live threads of the test's JVM, and who they belong to: what {@link BundleSwapLeakIT}
 * compares before and after each update of a bundle. Runs inside the framework.
 *
 * <p>A thread belongs to a bundle by its name (Palisade names every thread it starts
 * {@code palisade-<role>-…}; Paho's are {@code MQTT …}), or, for a thread whatever its name,
 * when its stack runs the bundle's classes or its context class loader is the bundle's.
 */
final class ThreadCensus {

    /** Thread-name roles that do not spell their bundle's name; others match a segment of the symbolic name. */
    private static final Map<String, String> ROLE_OWNERS = Map.of(
            "crl", "dev.palisade.trust",
            "admin", "dev.palisade.shell",
            "mqtt", "dev.palisade.upstream.mqtt");

    private final Map<Thread, StackTraceElement[]> stacks;

    private ThreadCensus(Map<Thread, StackTraceElement[]> stacks) {
        this.stacks = stacks;
    }

    static ThreadCensus now() {
        return new ThreadCensus(Thread.getAllStackTraces());
    }

    Set<Thread> threads() {
        return stacks.keySet();
    }

    /**
     * @return the symbolic name of the Palisade bundle whose thread this is by its name, {@code ""}
     *         for a thread that is not Palisade's by name, or {@code null} for a {@code palisade-}
     *         thread whose role names no installed bundle
     */
    static String ownerByName(String threadName, Collection<String> palisadeBundles) {
        String role;
        if (threadName.startsWith("MQTT ")) {
            role = "mqtt";
        } else if (threadName.startsWith("palisade-")) {
            String rest = threadName.substring("palisade-".length());
            role = rest.split("[-: ]", 2)[0];
        } else {
            return "";
        }
        String owner = ROLE_OWNERS.get(role);
        if (owner != null) {
            return owner;
        }
        for (String bsn : palisadeBundles) {
            if (Arrays.asList(bsn.split("\\.")).contains(role)) {
                return bsn;
            }
        }
        return null;
    }

    /** @return the first frame of this thread's stack that runs one of {@code packages}, or {@code null} */
    StackTraceElement frameIn(Thread thread, Set<String> packages) {
        StackTraceElement[] stack = stacks.getOrDefault(thread, new StackTraceElement[0]);
        for (StackTraceElement frame : stack) {
            String className = frame.getClassName();
            int dot = className.lastIndexOf('.');
            if (dot > 0 && packages.contains(className.substring(0, dot))) {
                return frame;
            }
        }
        return null;
    }

    /** @return thread names with every number replaced by {@code #}, and how many live threads have each */
    Map<String, Integer> countsByName() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Thread thread : stacks.keySet()) {
            if (thread.isAlive()) {
                counts.merge(pattern(thread.getName()), 1, Integer::sum);
            }
        }
        return counts;
    }

    static String pattern(String threadName) {
        return threadName.replaceAll("\\d+", "#");
    }

    /** @return how a thread is shown in a failure: name, daemon flag, state and its top frames */
    String describe(Thread thread) {
        StackTraceElement[] stack = stacks.getOrDefault(thread, new StackTraceElement[0]);
        return "'" + thread.getName() + "' (" + thread.getState() + (thread.isDaemon() ? ", daemon" : "") + ") at "
                + Arrays.stream(stack).limit(6).map(String::valueOf).collect(Collectors.joining(" < "));
    }

    /** @return every package of the bundle's own classes (embedded ones included) */
    static Set<String> packagesOf(Bundle bundle) {
        BundleWiring wiring = bundle.adapt(BundleWiring.class);
        Set<String> packages = new HashSet<>();
        if (wiring == null) {
            return packages;
        }
        Collection<String> classes = wiring.listResources("/", "*.class",
                BundleWiring.LISTRESOURCES_RECURSE | BundleWiring.LISTRESOURCES_LOCAL);
        for (String resource : classes) {
            int slash = resource.lastIndexOf('/');
            if (slash > 0) {
                packages.add(resource.substring(0, slash).replace('/', '.'));
            }
        }
        return packages;
    }

    /**
     * Once stop() has returned, no thread may run the bundle's classes, carry its class loader or
     * be one of its named threads from before the stop. A short grace covers a thread between its
     * last instruction and its end. Threads in {@code reported} are skipped, and those found
     * are added to it, so that a leaked thread is named once.
     *
     * @return one problem per thread left behind, each starting with {@code where}
     */
    static List<String> leftBehind(String where, String bsn, ThreadCensus before, Set<String> packages,
            ClassLoader oldLoader, Set<Thread> reported, Collection<String> owners) throws InterruptedException {
        List<String> found = new ArrayList<>();
        List<Thread> leaked = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        do {
            found.clear();
            leaked.clear();
            ThreadCensus now = ThreadCensus.now();
            for (Thread thread : now.threads()) {
                if (!thread.isAlive() || thread == Thread.currentThread() || reported.contains(thread)) {
                    continue;
                }
                int shownBefore = found.size();
                StackTraceElement frame = now.frameIn(thread, packages);
                if (frame != null) {
                    found.add(where + ": after stop(), thread " + now.describe(thread) + " still runs the bundle's " + frame);
                } else if (thread.getContextClassLoader() == oldLoader || thread.getClass().getClassLoader() == oldLoader) {
                    found.add(where + ": after stop(), thread " + now.describe(thread) + " still holds the bundle's class loader");
                } else if (before.threads().contains(thread) && bsn.equals(ownerByName(thread.getName(), owners))) {
                    found.add(where + ": after stop(), the bundle's thread " + now.describe(thread) + " is still alive");
                }
                if (found.size() > shownBefore) {
                    leaked.add(thread);
                }
            }
            if (found.isEmpty()) {
                return found;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        reported.addAll(leaked);
        return found;
    }

    /** A thread dump of every live thread, for a failure message or the test's output. */
    String dump() {
        return stacks.keySet().stream().filter(Thread::isAlive).map(this::describe).sorted()
                .collect(Collectors.joining("\n  ", "  ", ""));
    }

    static List<String> names(Collection<Thread> threads) {
        return threads.stream().map(Thread::getName).sorted().toList();
    }
}
