package dev.palisade.bus.modbus.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.api.bus.DataType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Device configurations as operators write them: what is accepted, and errors that name the device and field. */
class ConfigurationTest {

    private static String error(Map<String, Object> values) {
        return assertThrows(IllegalArgumentException.class, () -> Fixtures.settings(values)).getMessage();
    }

    private static Map<String, Object> with(String key, Object value) {
        Map<String, Object> map = Fixtures.tcp("meter-7", 502, "flow input 0 float32 unit=m3/h");
        map.put(key, value);
        return map;
    }

    @Test
    void aCfgChannelListParsesWithEveryOption() {
        DeviceSettings s = Fixtures.settings(Fixtures.tcp("meter-7", 1502,
                "flow input 0 float32 word=little byte=big unit=m3/h;\n  sp holding 0x10 int16 scale=0.1 offset=-5 min=-10 max=40 writable;"
                        + " ; pump coil 3 bool rw; tag holding 20 string length=8"));
        assertEquals(4, s.channels().size());
        ChannelSpec sp = s.channels().get(1);
        assertEquals(16, sp.address());
        assertEquals(DataType.FLOAT64, sp.dataType(), "scaled integers are reported as float64");
        assertTrue(sp.writable());
        assertEquals("tcp://127.0.0.1:1502 unit 1", s.address());
        assertEquals(DataType.FLOAT32, s.channels().get(0).dataType());
        assertTrue(s.channels().get(0).toChannel().location().contains("words little"));
    }

    @Test
    void errorsNameTheDeviceTheFieldAndTheChannel() {
        assertEquals("Modbus device 'meter-7' (test-pid): 'transport' must be tcp, rtu or tls, got 'udp'",
                error(with("transport", "udp")));
        assertTrue(error(with("host", "")).contains("'host' is required"));
        assertTrue(error(with("unit.id", 300)).contains("'unit.id' 300"));
        assertTrue(error(with("poll.interval.ms", 0L)).contains("'poll.interval.ms' must be positive"));
        assertTrue(error(with("max.registers", 126)).contains("'max.registers' 126"));
        assertTrue(error(with("transport", "tls")).contains("'trust.domain' is required"));
        assertTrue(error(with("id", "a/b")).contains("one topic level"));
        String rtu = error(Map.of("id", "drive-1", "transport", "rtu", "channels", "x holding 0 int16"));
        assertTrue(rtu.startsWith("Modbus device 'drive-1'") && rtu.contains("'serial.port' is required"), rtu);
        Map<String, Object> rtuInFlight = new java.util.HashMap<>(Map.of("id", "d", "transport", "rtu",
                "serial.port", "/dev/ttyS0", "channels", "x holding 0 int16", "max.in.flight", 2));
        assertTrue(error(rtuInFlight).contains("must be 1 on a serial line"));
    }

    @Test
    void channelErrorsNameTheChannelAndWhatIsWrong() {
        assertTrue(error(with("channels", "a holding 0 int16; b holdng 1 int16")).contains("channel 2 'b': register kind 'holdng'"));
        assertTrue(error(with("channels", "a holding 70000 int16")).contains("channel 1 'a': address 70000 is outside 0..65535"));
        assertTrue(error(with("channels", "a holding 0 int12")).contains("type 'int12'"));
        assertTrue(error(with("channels", "a coil 0 int16")).contains("its type must be bool"));
        assertTrue(error(with("channels", "a input 0 int16 writable")).contains("read-only"));
        assertTrue(error(with("channels", "a holding 0 string")).contains("length=REGISTERS"));
        assertTrue(error(with("channels", "a holding 0 int16 colour=red")).contains("unknown option 'colour'"));
        assertTrue(error(with("channels", "a holding 0 int16; a holding 1 int16")).contains("used twice"));
        assertTrue(error(with("channels", "a holding 65535 int32")).contains("passes 65535"));
        assertTrue(error(with("channels", "a holding 0")).contains("expected 'NAME KIND ADDRESS TYPE"));
        assertTrue(error(with("channels", " ; ")).contains("declares no channel"));
        assertTrue(error(with("channels", "a holding 0 int16 scale=0")).contains("scale must not be 0"));
    }

    @Test
    void neighbouringChannelsMergeWithinTheProtocolLimits() {
        List<ChannelSpec> channels = ChannelSpec.parseAll(new String[] {
            "a holding 0 int16; b holding 1 float32; c holding 12 int16; d holding 200 int16; e holding 320 int16;"
                    + " f coil 0 bool; g coil 1999 bool; h coil 2000 bool; i input 5 uint16"});
        List<ReadPlan.Block> plan = ReadPlan.plan(channels, 10, 125, 2000);
        assertEquals("[coil 0+1, coil 1999+2, holding 0+13, holding 200+1, holding 320+1, input 5+1]", plan.toString());
        // With a gap large enough, bits merge up to the protocol's 2000 and no further.
        assertEquals("[coil 0+2000, coil 2000+1]", ReadPlan.plan(channels.subList(5, 8), 5000, 125, 2000).toString());
        List<ChannelSpec> wide = ChannelSpec.parseAll(new String[] {"a holding 0 int16; b holding 124 int16; c holding 125 int16"});
        assertEquals("[holding 0+125, holding 125+1]", ReadPlan.plan(wide, 500, 125, 2000).toString());
        // A device limit of 10 registers splits the first group.
        assertEquals("[holding 0+3, holding 12+1]", ReadPlan.plan(channels.subList(0, 3), 10, 10, 2000).toString());
        // Merging off: one request per channel.
        assertEquals(3, ReadPlan.plan(channels.subList(0, 3), -1, 125, 2000).size());
        // Gaps larger than merge.gap split.
        assertEquals(2, ReadPlan.plan(channels.subList(0, 3), 5, 125, 2000).size());
    }

    @Test
    void theRtuCrcMatchesTheSpecificationExample() {
        // The frame 01 03 00 00 00 0A (read 10 holding registers from unit 1) ends in C5 CD on the wire,
        // low byte first.
        byte[] frame = {1, 3, 0, 0, 0, 10};
        assertEquals(0xCDC5, Crc16.of(frame, 0, frame.length));
    }

    @Test
    void roleRightsParse() {
        Map<String, java.util.Set<Integer>> roles = DeviceSettings.roleFunctions(new String[] {"Viewer=1,2,3,4", "Admin=*"});
        assertEquals(java.util.Set.of(1, 2, 3, 4), roles.get("Viewer"));
        assertTrue(roles.get("Admin").isEmpty(), "* means every function");
        assertThrows(IllegalArgumentException.class, () -> DeviceSettings.roleFunctions(new String[] {"X=1,200"}));
    }
}
