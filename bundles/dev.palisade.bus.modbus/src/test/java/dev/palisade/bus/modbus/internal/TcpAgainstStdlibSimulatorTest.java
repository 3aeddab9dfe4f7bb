package dev.palisade.bus.modbus.internal;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The demo's fallback simulator ({@code modbus-sim-stdlib.py}, Python standard library only)
 * against the gateway's own Modbus client: every test of {@link TcpAgainstPymodbusTest} — each
 * type and byte order decoded to the pymodbus simulator's values, writes read back, the exception
 * response beyond the table, pipelining, a dead device — so the demo without pymodbus shows the
 * same readings as with it, and a wrong register in the fallback fails here.
 */
class TcpAgainstStdlibSimulatorTest extends TcpAgainstPymodbusTest {

    /** Hides the pymodbus peer of the superclass (JUnit runs only this one). */
    @BeforeAll
    static void startPeer() throws Exception {
        sim = ModbusSimulator.stdlib(dir);
    }

    @AfterAll
    static void stopPeer() throws Exception {
        sim.close();
    }
}
