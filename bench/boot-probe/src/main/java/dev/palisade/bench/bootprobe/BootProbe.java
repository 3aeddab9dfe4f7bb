package dev.palisade.bench.bootprobe;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.reflect.Method;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Prints exactly one line to {@code System.out} the first time every installed non-fragment
 * bundle (the system bundle included) is ACTIVE:
 *
 * <pre>BOOT-PROBE uptime_ms=&lt;JVM uptime&gt; cpu_ms=&lt;process CPU time or -1&gt; bundles=&lt;n&gt;</pre>
 *
 * Bundles may start after the probe, and Felix reports the system bundle ACTIVE only after the
 * beginning start level is reached, so the check runs again on every bundle STARTED event and on
 * FrameworkEvent STARTED. The bundle listener is synchronous: the check runs at the moment the
 * last bundle finishes starting, not when the asynchronous event queue gets round to it.
 */
public final class BootProbe implements BundleActivator, SynchronousBundleListener, FrameworkListener {

    private BundleContext context;
    private RuntimeMXBean runtime;
    private OperatingSystemMXBean os;
    private Method processCpuTime;
    private boolean reported;
    private boolean stopped;

    @Override
    public void start(BundleContext context) {
        synchronized (this) {
            this.context = context;
            // Look the MXBeans up now, so that reading them at the all-ACTIVE moment is cheap.
            runtime = ManagementFactory.getRuntimeMXBean();
            os = ManagementFactory.getOperatingSystemMXBean();
            processCpuTime = processCpuTimeMethod();
        }
        context.addFrameworkListener(this);
        context.addBundleListener(this);
        check();
    }

    @Override
    public void stop(BundleContext context) {
        synchronized (this) {
            stopped = true;
        }
        removeListeners(context);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTED) {
            check();
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            check();
        }
    }

    private void check() {
        BundleContext ctx;
        synchronized (this) {
            if (reported || stopped) {
                return;
            }
            ctx = context;
            long self = ctx.getBundle().getBundleId();
            int count = 0;
            for (Bundle b : ctx.getBundles()) {
                if (b.getHeaders("").get(Constants.FRAGMENT_HOST) != null) {
                    continue;
                }
                // The probe itself is STARTING while its own start() runs: it counts as started.
                if (b.getBundleId() != self && b.getState() != Bundle.ACTIVE) {
                    return;
                }
                count++;
            }
            long uptimeMs = runtime.getUptime();
            long cpuMs = cpuMillis();
            reported = true;
            System.out.println("BOOT-PROBE uptime_ms=" + uptimeMs + " cpu_ms=" + cpuMs + " bundles=" + count);
            System.out.flush();
        }
        // Nothing left to watch.
        removeListeners(ctx);
    }

    private void removeListeners(BundleContext ctx) {
        try {
            ctx.removeBundleListener(this);
            ctx.removeFrameworkListener(this);
        } catch (IllegalStateException stale) {
            // The context is no longer valid: the framework has already dropped the listeners.
        }
    }

    private long cpuMillis() {
        if (processCpuTime == null) {
            return -1;
        }
        try {
            long nanos = (Long) processCpuTime.invoke(os);
            return nanos < 0 ? -1 : nanos / 1_000_000L;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * com.sun.management.OperatingSystemMXBean#getProcessCpuTime, looked up reflectively: the
     * package is JDK-specific and not necessarily exported by the system bundle, and an import
     * would make the probe unresolvable on a framework that does not export it.
     */
    private static Method processCpuTimeMethod() {
        try {
            Class<?> type = Class.forName("com.sun.management.OperatingSystemMXBean", false,
                    ClassLoader.getSystemClassLoader());
            if (!type.isInstance(ManagementFactory.getOperatingSystemMXBean())) {
                return null;
            }
            return type.getMethod("getProcessCpuTime");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
