package dev.palisade.enroll.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.enroll.EnrollmentStatus;
import dev.palisade.api.enroll.HubReason;
import dev.palisade.api.enroll.ProofMode;

class StateFileTest {

    @TempDir
    Path dir;

    @Test
    void statesRoundTripAndTheFileIsReplacedWhole() throws IOException {
        StateFile file = new StateFile(dir.resolve("children.properties"));
        assertEquals(List.of(), file.load().children(), "no file yet: no children");
        ChildRecord a = new ChildRecord("meter-7", ProofMode.CUSTODIAL, Instant.parse("2026-11-21T10:00:00Z"));
        a.become(EnrollmentStatus.REFUSED, HubReason.UNKNOWN_CA, "UNKNOWN_CA: no CA = for \"x\"\nsecond line", a.since);
        a.lastAttempt = Instant.parse("2026-11-21T10:00:01Z");
        ChildRecord b = new ChildRecord("plc:2.a", ProofMode.RELAY, Instant.parse("2026-11-21T10:00:02Z"));
        b.become(EnrollmentStatus.UNENROLLED, null, "", b.since);
        b.hubMustForget = true;
        b.leafSha = "ab".repeat(32);
        file.save("hub-1", "gw-001", List.of(a, b));
        assertFalse(Files.exists(dir.resolve("children.properties.new")), "the temporary file was renamed over");

        StateFile.Saved saved = file.load();
        assertEquals("hub-1", saved.hubId());
        assertEquals("gw-001", saved.gatewayId());
        List<ChildRecord> back = saved.children();
        assertEquals(2, back.size());
        assertEquals(a.state(), back.get(0).state());
        assertEquals(a.lastAttempt, back.get(0).lastAttempt);
        assertEquals(b.state(), back.get(1).state());
        assertTrue(back.get(1).hubMustForget);
        assertEquals(b.leafSha, back.get(1).leafSha);
    }

    @Test
    void aDamagedFileIsNamedAndKeptAside() throws IOException {
        Path path = dir.resolve("children.properties");
        Files.writeString(path, "version=1\ncount=1\n0.id=x\n0.mode=TELEPATHY\n0.since=2026-11-21T10:00:00Z\n0.status=PENDING\n");
        StateFile file = new StateFile(path);
        IOException e = assertThrows(IOException.class, file::load);
        assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains("entry 0"), e.getMessage());
        Path aside = file.quarantine();
        assertTrue(Files.exists(aside) && !Files.exists(path));
    }

    @Test
    void aHugeCountIsRefusedBeforeAnyAllocation() throws IOException {
        Path path = dir.resolve("children.properties");
        Files.writeString(path, "version=1\ncount=2000000000\n0.id=x\n");
        IOException e = assertThrows(IOException.class, new StateFile(path)::load);
        assertTrue(e.getMessage().contains("count 2000000000 does not match the file"), e.getMessage());
    }

    @Test
    void everyParseProblemIsAnIOExceptionNamingTheFile() throws IOException {
        Path path = dir.resolve("children.properties");
        for (String content : new String[] {"version=1\ncount=many\n", "version=1\ncount=-1\n", "version=1\ncount=1\n0.id=\\u12G4\n",
                "version=1\ncount=1\n0.id=x\n0.mode=RELAY\n0.since=yesterday\n0.status=PENDING\n"}) {
            Files.writeString(path, content);
            IOException e = assertThrows(IOException.class, new StateFile(path)::load, content);
            assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        }
    }

    @Test
    void anEarlierUnreadableFileIsNeverOverwritten() throws IOException {
        Path path = dir.resolve("children.properties");
        StateFile file = new StateFile(path);
        Files.writeString(path, "first");
        Path first = file.quarantine();
        Files.writeString(path, "second");
        Path second = file.quarantine();
        assertEquals("first", Files.readString(first));
        assertEquals("second", Files.readString(second));
    }
}
