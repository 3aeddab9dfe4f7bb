package dev.palisade.distro;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.lang.runtime.ObjectMethods;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether replaced bundle revisions can be garbage-collected: a class loader of a stopped,
 * refreshed revision that stays strongly reachable means something still holds one of its
 * objects or classes (a thread, a static of another bundle, a JDK registry). Runs inside the
 * framework.
 */
final class StaleRevisions {

    /** A record type of the test's own: displaces a JDK cache entry, see {@link #displaceJdkAsTypeCache()}. */
    private record Displacer(Displacer other) {
    }

    private StaleRevisions() {
    }

    /** @return the rounds (1-based) whose replaced class loader is still strongly reachable after a few full GCs */
    static List<Integer> reachable(List<WeakReference<ClassLoader>> loaders) throws InterruptedException {
        try {
            displaceJdkAsTypeCache();
        } catch (Throwable e) {
            throw new IllegalStateException("cannot bootstrap a record's equals to displace the JDK's asTypeCache", e);
        }
        for (int i = 0; i < 5 && loaders.stream().anyMatch(l -> l.get() != null); i++) {
            System.gc();
            Thread.sleep(200);
        }
        List<Integer> rounds = new ArrayList<>();
        for (int i = 0; i < loaders.size(); i++) {
            if (loaders.get(i).get() != null) {
                rounds.add(i + 1);
            }
        }
        return rounds;
    }

    /**
     * JDK 17 keeps, JVM-wide, the last {@code asType} adaptation of the one method handle that
     * every record's generated {@code equals} uses for reference components
     * ({@code ObjectMethods.OBJECT_EQ}'s single-entry {@code asTypeCache}, JDK-8078641, fixed in
     * JDK 18). That pins the class loader of whichever record class, in whatever bundle, first
     * ran its {@code equals} last — one revision at most, until any other record does, and no
     * Palisade code can release it. Bootstrapping the test's own record's {@code equals} here
     * moves that entry to a class of the test, so that what is left reachable is a real leak.
     */
    static void displaceJdkAsTypeCache() throws Throwable {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        MethodHandle getter = lookup.findGetter(Displacer.class, "other", Displacer.class);
        ObjectMethods.bootstrap(lookup, "equals", MethodType.methodType(boolean.class, Displacer.class, Object.class),
                Displacer.class, "other", getter);
    }
}
