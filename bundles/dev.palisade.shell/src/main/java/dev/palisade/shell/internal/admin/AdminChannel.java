package dev.palisade.shell.internal.admin;

import dev.palisade.api.health.Health;
import dev.palisade.api.health.HealthIndicator;
import dev.palisade.api.health.HealthReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local admin channel behind {@code bin/palisade <command>}: runs one {@code palisade:}
 * Gogo command per connection and sends back its output and exit code.
 *
 * <p>Reachable only by the gateway's own user (see {@link AdminSocket}). Commands run with the
 * same rights as typing them into the gateway's shell, limited to the {@code palisade} scope
 * with literal arguments (see {@link CommandLine}). A client has a bounded time to send its
 * request; requests run on a small bounded pool so that a stuck client cannot pile up threads.
 * Every thread this component starts is stopped when it is deactivated.
 */
@Component(configurationPid = AdminChannel.PID, service = HealthIndicator.class, immediate = true)
@Designate(ocd = AdminChannel.Config.class)
public final class AdminChannel implements HealthIndicator {

    static final String PID = "dev.palisade.shell.admin";

    private static final Logger LOG = LoggerFactory.getLogger(AdminChannel.class);

    @ObjectClassDefinition(name = "Palisade admin channel",
            description = "The local Unix domain socket through which bin/palisade talks to the running gateway.")
    @interface Config {
        @AttributeDefinition(name = "Socket path",
                description = "Where the socket is created. A relative path resolves against the gateway's data"
                        + " directory (framework property palisade.data). Its directory is created with mode 0700.")
        String socket_path() default "run/admin.sock";

        @AttributeDefinition(name = "Request timeout (seconds)",
                description = "How long a client may take to send its whole request before it is disconnected.")
        int request_timeout_seconds() default 10;

        @AttributeDefinition(name = "Concurrent requests",
                description = "How many commands may run at once; further clients wait in a short queue or are refused.")
        int max_concurrent_requests() default 2;
    }

    private static final int MAX_ARGUMENTS = 64;
    private static final int MAX_REQUEST_BYTES = 64 * 1024;
    private static final int QUEUE_LENGTH = 8;

    private final BundleContext context;
    private final CommandProcessor processor;
    private final AdminProtocol protocol = new AdminProtocol(MAX_ARGUMENTS, MAX_REQUEST_BYTES);
    private final Path socketPath;
    private volatile AdminSocket socket;
    private volatile FrameworkListener startedListener;
    private volatile HealthReport health;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timeouts;
    private final Thread acceptor;
    private final int requestTimeoutSeconds;
    private volatile boolean running = true;

    /**
     * Binds the socket and starts accepting.
     *
     * @param config the typed configuration
     * @param context the bundle context (for the data directory and the command registry)
     * @param processor Gogo's command processor
     */
    @Activate
    public AdminChannel(Config config, BundleContext context, @Reference CommandProcessor processor) {
        this.context = context;
        this.processor = processor;
        this.requestTimeoutSeconds = Math.max(1, config.request_timeout_seconds());
        this.socketPath = socketPath(config.socket_path(), context);
        this.health = HealthReport.of("admin", Health.UNKNOWN, "opens when the framework has started");
        AtomicInteger threadNumber = new AtomicInteger();
        int concurrency = Math.max(1, config.max_concurrent_requests());
        this.workers = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_LENGTH),
                r -> daemon(r, "palisade-admin-" + threadNumber.incrementAndGet()));
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "palisade-admin-timeout"));
        scheduler.setRemoveOnCancelPolicy(true);
        this.timeouts = scheduler;
        this.acceptor = daemon(this::acceptLoop, "palisade-admin-accept");
        // The socket appears only once the framework has started every bundle, so that
        // `bin/palisade start` returns when the gateway is up, not half-way through its boot.
        if (context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.ACTIVE) {
            listen();
        } else {
            startedListener = event -> {
                if (event.getType() == FrameworkEvent.STARTED) {
                    listen();
                }
            };
            context.addFrameworkListener(startedListener);
        }
    }

    private synchronized void listen() {
        if (!running || socket != null) {
            return;
        }
        try {
            socket = AdminSocket.open(socketPath);
        } catch (IOException e) {
            LOG.error("Admin channel unavailable, bin/palisade cannot reach this gateway: {}", e.getMessage());
            health = HealthReport.of("admin", Health.DOWN, e.getMessage());
            return;
        }
        acceptor.start();
        health = HealthReport.of("admin", Health.UP, "listening on " + socket.path());
        LOG.info("Admin channel listening on {}", socket.path());
    }

    static Path socketPath(String configured, BundleContext context) {
        Path path = Path.of(configured);
        if (path.isAbsolute()) {
            return path;
        }
        String data = context.getProperty("palisade.data");
        // Without a launcher (an embedded framework, a test), the bundle's own storage area is private to the gateway.
        Path base = data != null ? Path.of(data) : context.getDataFile("").toPath();
        return base.resolve(path);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private void acceptLoop() {
        while (running) {
            SocketChannel client;
            try {
                client = socket.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                if (running) {
                    LOG.warn("Admin channel: accepting a connection failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                workers.execute(() -> serve(client));
            } catch (RejectedExecutionException busy) {
                refuse(client, "the gateway is busy with other admin requests; try again");
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            String foreign = socket.foreignPeer(client);
            if (foreign != null) {
                LOG.warn("Admin channel: refused a connection from user '{}'", foreign);
                respond(client, "", "refused: only the gateway's own user may use the admin channel", AdminProtocol.EXIT_REFUSED);
                return;
            }
            List<String> arguments;
            ScheduledFuture<?> deadline = timeouts.schedule(() -> closeQuietly(client), requestTimeoutSeconds, TimeUnit.SECONDS);
            try {
                arguments = protocol.readRequest(Channels.newInputStream(client));
            } catch (AdminProtocol.AdminProtocolException malformed) {
                respond(client, "", "bad request: " + malformed.getMessage(), AdminProtocol.EXIT_REFUSED);
                // Closing with unread input would reset the connection before the client reads
                // the answer: finish sending, then swallow the rest (bounded, still under the deadline).
                client.shutdownOutput();
                drain(client);
                return;
            } finally {
                deadline.cancel(false);
            }
            execute(client, arguments);
        } catch (IOException e) {
            // The client went away or timed out: nothing to answer.
            LOG.debug("Admin channel connection ended: {}", e.toString());
        }
    }

    private void execute(SocketChannel client, List<String> arguments) throws IOException {
        String line;
        try {
            line = CommandLine.build(arguments, functions());
        } catch (IllegalArgumentException refused) {
            respond(client, "", refused.getMessage(), 2);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = 0;
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
             CommandSession session = processor.createSession(InputStream.nullInputStream(), stdout, stderr)) {
            try {
                Object result = session.execute(line);
                if (result != null) {
                    stdout.println(session.format(result, Converter.INSPECT));
                }
            } catch (Exception failure) {
                exitCode = 1;
                stderr.println(describe(failure));
            }
        }
        respond(client, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), exitCode);
    }

    /** The operator sees the message, not a stack trace: commands throw with messages meant for them. */
    static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && (cause.getMessage() == null
                || cause instanceof java.lang.reflect.InvocationTargetException)) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private Set<String> functions() {
        Set<String> functions = new TreeSet<>();
        try {
            ServiceReference<?>[] references = context.getServiceReferences((String) null,
                    "(" + CommandProcessor.COMMAND_SCOPE + "=" + CommandLine.SCOPE + ")");
            if (references != null) {
                for (ServiceReference<?> reference : references) {
                    Object value = reference.getProperty(CommandProcessor.COMMAND_FUNCTION);
                    if (value instanceof String[]) {
                        functions.addAll(List.of((String[]) value));
                    } else if (value != null) {
                        functions.add(value.toString());
                    }
                }
            }
        } catch (InvalidSyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
        return functions;
    }

    private void refuse(SocketChannel client, String message) {
        try (client) {
            respond(client, "", message, AdminProtocol.EXIT_REFUSED);
        } catch (IOException ignored) {
            // The client is gone; there is nobody to tell.
        }
    }

    private static void respond(SocketChannel client, String out, String err, int exitCode) throws IOException {
        OutputStream stream = Channels.newOutputStream(client);
        AdminProtocol.writeResponse(stream, out, err, exitCode);
    }

    private static void drain(SocketChannel client) throws IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(8192);
        long left = 1L << 20;
        int read;
        while (left > 0 && (read = client.read(buffer)) >= 0) {
            left -= read;
            buffer.clear();
        }
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // Closing only unblocks the reader; a failure leaves nothing to do.
        }
    }

    @Override
    public HealthReport health() {
        return health;
    }

    /**
     * Stops accepting, waits briefly for running commands, and removes the socket file.
     *
     * @throws InterruptedException if interrupted while waiting for running commands
     */
    @Deactivate
    void deactivate() throws InterruptedException {
        FrameworkListener listener = startedListener;
        if (listener != null) {
            context.removeFrameworkListener(listener);
        }
        AdminSocket open;
        synchronized (this) {
            running = false;
            open = socket;
        }
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                LOG.warn("Admin channel: removing {} failed: {}", open.path(), e.getMessage());
            }
        }
        workers.shutdown();
        timeouts.shutdownNow();
        if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
            workers.shutdownNow();
        }
        if (acceptor.isAlive()) {
            acceptor.join(5_000);
        }
        LOG.info("Admin channel closed");
    }
}
