package dev.palisade.hub.registry;

import java.nio.file.Path;
import java.time.Instant;

/** Run in a child JVM by {@link SqliteHubRegistryTest}: registers devices until killed. */
public final class RegistryWriterProcess {
    private RegistryWriterProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (SqliteHubRegistry registry = SqliteHubRegistry.open(Path.of(args[0]))) {
            for (int n = 0; ; n++) {
                registry.addDevice(new DeviceRecord("d-" + n, Role.DEVICE, CredentialKind.TOKEN, null, null, null, null,
                        "hash", Instant.now()));
                registry.audit(new AuditEntry(0, Instant.now(), "test", "device add", "d-" + n, "ok", null));
                // Printed only after both commits returned: the parent may count on these.
                System.out.println(n);
                System.out.flush();
            }
        }
    }
}
