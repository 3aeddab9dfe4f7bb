package dev.palisade.hub;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the hub runs. Defaults are safe: loopback only, codes valid for an hour, the broker's
 * flow-control limits raised so that QoS 1 traffic is never dropped silently.
 *
 * @param dataDir registry, generated server identity, broker files
 * @param bindAddress the listener's address (default 127.0.0.1)
 * @param port the mutual-TLS listener's port (default 8883)
 * @param keystore the server's TLS identity (PKCS#12), or null to generate a test identity in dataDir
 * @param keystorePasswordFile first line is the keystore's password; required with keystore
 * @param filePersistence whether the broker keeps sessions and queues on disk (else in memory)
 * @param serverReceiveMaximum QoS 1/2 messages a client may have in flight towards the hub
 * @param maxQueueSize messages queued per offline or slow client before new ones are discarded
 */
public record HubSettings(Path dataDir, String bindAddress, int port, Path keystore, Path keystorePasswordFile,
        boolean filePersistence, int serverReceiveMaximum, long maxQueueSize) {

    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8883;
    /** How long a CA verification code is accepted (the admin commands issue codes). */
    public static final Duration DEFAULT_CODE_VALIDITY = Duration.ofHours(1);
    /** HiveMQ's default is 10; 1000 was measured loss-free (shared/research/hub-broker.md). */
    public static final int DEFAULT_RECEIVE_MAXIMUM = 1000;
    /** HiveMQ's default is 1000 with discard, which silently lost QoS 1 messages in the measurements. */
    public static final long DEFAULT_MAX_QUEUE = 1_000_000;

    /** Defaults for everything but the data directory. */
    public static HubSettings defaults(Path dataDir) {
        return new HubSettings(dataDir, DEFAULT_BIND, DEFAULT_PORT, null, null, false,
                DEFAULT_RECEIVE_MAXIMUM, DEFAULT_MAX_QUEUE);
    }

    public HubSettings withPort(int newPort) {
        return new HubSettings(dataDir, bindAddress, newPort, keystore, keystorePasswordFile,
                filePersistence, serverReceiveMaximum, maxQueueSize);
    }

    public HubSettings withBind(String address) {
        return new HubSettings(dataDir, address, port, keystore, keystorePasswordFile, filePersistence,
                serverReceiveMaximum, maxQueueSize);
    }

    public HubSettings withKeystore(Path store, Path passwordFile) {
        return new HubSettings(dataDir, bindAddress, port, store, passwordFile, filePersistence,
                serverReceiveMaximum, maxQueueSize);
    }


    public HubSettings withFilePersistence(boolean file) {
        return new HubSettings(dataDir, bindAddress, port, keystore, keystorePasswordFile, file,
                serverReceiveMaximum, maxQueueSize);
    }

    /** The registry database. */
    public Path registryFile() {
        return dataDir.resolve("registry.db");
    }
}
