package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.PeerIdentity;
import dev.palisade.api.identity.GatewayIdentity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The session binding a TLS device's {@link PeerIdentity} carries is what the device itself
 * exports for the same session (RFC 9266 {@code tls-exporter}), and another session gives other
 * bytes: checked against a device side in Bouncy Castle's TLS API (TLS 1.3 and 1.2) and against
 * OpenSSL's {@code s_server -keymatexport} (TLS 1.3, where its context-less export equals the
 * empty context RFC 9266 uses).
 */
class SessionBindingTest {

    @TempDir
    Path dir;

    private TestPki pki;
    private GatewayIdentity identity;
    private TlsAgainstPymodbusTest.PkixTrust trust;

    private void pki() throws Exception {
        TlsTestPlant plant = TlsTestPlant.issue(dir);
        pki = plant.pki();
        identity = plant.identity();
        trust = plant.trust();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void theBindingIsWhatTheDeviceExportsForThatSessionAndDiffersBetweenSessions(String protocol) throws Exception {
        pki();
        ProtocolVersion version = protocol.equals("TLSv1.3") ? ProtocolVersion.TLSv13 : ProtocolVersion.TLSv12;
        try (BcTlsDevice device = new BcTlsDevice(pki.file("device.p12"), version)) {
            List<PeerIdentity> proven = new CopyOnWriteArrayList<>();
            TlsConnector connector = new TlsConnector(() -> identity, () -> trust, "plant", "plc-tls-1", proven::add);
            List<byte[]> gatewaySide = new ArrayList<>();
            for (int session = 0; session < 2; session++) {
                try (Socket socket = connectOrExplain(connector, device)) {
                    byte[] exported = device.exported.poll(10, TimeUnit.SECONDS);
                    assertNotNull(exported, "the device did not finish its handshake");
                    assertEquals(32, exported.length, "the device could not export: " + device.errors);
                    assertEquals(version.toString(), device.versions.poll(1, TimeUnit.SECONDS));
                    PeerIdentity peer = proven.get(session);
                    assertEquals("plc-tls-1", peer.identity());
                    assertArrayEquals(exported, peer.sessionBinding(),
                            "the gateway's binding is not what the device exports for the same session");
                    gatewaySide.add(peer.sessionBinding());
                }
            }
            assertFalse(Arrays.equals(gatewaySide.get(0), gatewaySide.get(1)), "two sessions gave the same binding");
        }
    }

    private static Socket connectOrExplain(TlsConnector connector, BcTlsDevice device) throws Exception {
        try {
            return connector.connect("127.0.0.1", device.port(), 5_000);
        } catch (java.io.IOException e) {
            Thread.sleep(200);
            throw new AssertionError("the handshake failed; the device saw " + device.errors, e);
        }
    }

    @Test
    void theBindingIsWhatOpensslExportsForThatSession() throws Exception {
        pki();
        List<String> bindings = new ArrayList<>();
        for (int session = 0; session < 2; session++) {
            int port = ModbusSimulator.freePort();
            Process openssl;
            try {
                openssl = new ProcessBuilder("openssl", "s_server", "-accept", Integer.toString(port), "-naccept", "1",
                        "-cert", pki.file("device.crt").toString(), "-key", pki.file("device.key").toString(),
                        "-CAfile", pki.file("ca.crt").toString(), "-Verify", "1", "-tls1_3",
                        "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32")
                        .redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                throw new AssertionError("openssl is missing: install the Debian package openssl", e);
            }
            try {
                BlockingQueue<String> lines = new LinkedBlockingQueue<>();
                Thread reader = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(openssl.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            lines.add(line);
                        }
                    } catch (java.io.IOException ended) {
                        // the process is gone
                    }
                }, "openssl-output");
                reader.setDaemon(true);
                reader.start();
                await(lines, "ACCEPT");
                List<PeerIdentity> proven = new CopyOnWriteArrayList<>();
                TlsConnector connector = new TlsConnector(() -> identity, () -> trust, "plant", "plc-tls-1", proven::add);
                try (Socket socket = connector.connect("127.0.0.1", port, 5_000)) {
                    String material = await(lines, "Keying material:").replaceFirst(".*Keying material:\\s*", "").trim();
                    String ours = HexFormat.of().withUpperCase().formatHex(proven.get(0).sessionBinding());
                    assertEquals(64, ours.length(), "the gateway has no 32-byte binding");
                    assertEquals(material.toUpperCase(), ours, "the gateway's binding is not what OpenSSL exports");
                    bindings.add(ours);
                }
            } finally {
                openssl.destroyForcibly();
                openssl.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(!bindings.get(0).equals(bindings.get(1)), "two sessions gave the same binding");
    }

    private static String await(BlockingQueue<String> lines, String marker) throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.append(line).append('\n');
                if (line.contains(marker)) {
                    return line;
                }
            }
        }
        throw new AssertionError("openssl s_server never printed '" + marker + "'; it printed:\n" + seen);
    }
}
