package dev.palisade.hub.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.palisade.hub.admin.CertificateCodec;
import dev.palisade.hub.registry.CaRecord;
import dev.palisade.hub.registry.CredentialKind;
import dev.palisade.hub.registry.DeviceRecord;
import dev.palisade.hub.registry.HubRegistry;
import dev.palisade.hub.registry.RegistryException;

/**
 * Keeps the broker's TLS truststore equal to what the registry knows: every registered CA
 * (pending and disabled ones too, so that their clients reach the authenticator and are
 * refused with a reason instead of a bare handshake failure) and every self-signed device
 * certificate. HiveMQ CE re-reads the file when it changes (every 10 s); the authenticator,
 * not this file, is what decides, so a change that narrows trust takes effect at once.
 */
public final class TrustStoreSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrustStoreSync.class);
    private final HubRegistry registry;
    private final Path file;
    private final char[] password;
    private final ScheduledExecutorService poller;
    private long written = -1;
    private volatile Runnable onChange = () -> { };

    public TrustStoreSync(HubRegistry registry, Path file, char[] password) {
        this.registry = registry;
        this.file = file;
        this.password = password.clone();
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "palisade-hub-truststore");
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes the truststore if the registry changed since the last write. */
    public synchronized void refresh() throws RegistryException, IOException {
        long generation = registry.trustGeneration();
        if (generation == written) {
            return;
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (CaRecord ca : registry.listCas()) {
                store.setCertificateEntry("ca-" + ca.thumbprint(),
                        CertificateCodec.decode(ca.certificate(), "CA '" + ca.name() + "'"));
            }
            for (DeviceRecord d : registry.listDevices()) {
                if (d.kind() != CredentialKind.SELF_SIGNED) {
                    continue;
                }
                store.setCertificateEntry("dev-" + d.primaryThumbprint(),
                        CertificateCodec.decode(d.primaryCertificate(), "device '" + d.id() + "'"));
                if (d.secondaryCertificate() != null) {
                    store.setCertificateEntry("dev-" + d.secondaryThumbprint(),
                            CertificateCodec.decode(d.secondaryCertificate(), "device '" + d.id() + "'"));
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            boolean first = written < 0;
            written = generation;
            if (!first) {
                onChange.run();
            }
            LOG.info("TLS truststore updated: {} certificate(s) (registry generation {})", store.size(), generation);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the truststore " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code listener} (on the polling thread) after each change seen after the first write. */
    public void onChange(Runnable listener) {
        this.onChange = listener;
    }

    /** Polls the registry every {@code seconds} (the admin commands change it from another process). */
    public void start(int seconds) {
        poller.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RegistryException | IOException | RuntimeException e) {
                LOG.warn("truststore not updated: {}", e.getMessage());
            }
        }, seconds, seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            if (!poller.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("the truststore poller did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
