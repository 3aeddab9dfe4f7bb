package dev.palisade.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import dev.palisade.hub.enroll.EnrollmentSettings;
import dev.palisade.pki.TestCredential;
import dev.palisade.pki.TestPki;

/**
 * A running hub with one plant: the verified CA Plant-Root, Plant-Issuing under it, and two of
 * its gateways (gw-001, gw-002) registered, connected and ready to enroll children. The set-up
 * several enrollment tests share; each test class starts one and closes it.
 */
final class TwoGatewayPlant implements AutoCloseable {
    private static final Duration YEAR = Duration.ofDays(365);

    final HubFixture hub;
    final TestCredential root;
    final TestCredential issuing;
    final TestCredential gw001;
    final TestCredential gw002;
    private EnrollingGateway gateway1;
    private EnrollingGateway gateway2;

    private TwoGatewayPlant(Path data) throws Exception {
        hub = new HubFixture(data, EnrollmentSettings.defaults(), Clock.systemUTC());
        root = TestPki.rootCa("Plant-Root", YEAR);
        issuing = TestPki.intermediateCa(root, "Plant-Issuing", YEAR);
        gw001 = TestPki.leaf(issuing, "gw-001", TestPki.Kind.GATEWAY, YEAR);
        gw002 = TestPki.leaf(issuing, "gw-002", TestPki.Kind.GATEWAY, YEAR);
    }

    /** Starts the hub in {@code data}, verifies the plant's CA and connects both gateways. */
    static TwoGatewayPlant start(Path data) throws Exception {
        TwoGatewayPlant plant = new TwoGatewayPlant(data);
        try {
            HubFixture hub = plant.hub;
            hub.verifyCa("Plant-Root", plant.root);
            for (String gw : new String[] {"gw-001", "gw-002"}) {
                assertEquals(0, hub.admin("device", "add", gw, "--gateway", "--ca-chain").exit(), gw);
            }
            hub.server.refreshTrust();
            hub.connect(plant.gw001, "gw-001").close(); // waits until the broker's truststore has the CA
            plant.gateway1 = EnrollingGateway.connect(hub.port, hub.serverCa(), plant.gw001, "gw-001");
            plant.gateway2 = EnrollingGateway.connect(hub.port, hub.serverCa(), plant.gw002, "gw-002");
            return plant;
        } catch (Exception | Error e) {
            plant.close();
            throw e;
        }
    }

    EnrollingGateway gateway1() {
        return gateway1;
    }

    EnrollingGateway gateway2() {
        return gateway2;
    }

    @Override
    public void close() throws Exception {
        for (EnrollingGateway g : new EnrollingGateway[] {gateway1, gateway2}) {
            if (g != null) {
                g.close();
            }
        }
        hub.close();
    }
}
