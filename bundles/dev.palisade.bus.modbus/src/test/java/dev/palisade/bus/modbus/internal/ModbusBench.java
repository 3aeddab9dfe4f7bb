package dev.palisade.bus.modbus.internal;

import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import dev.palisade.api.bus.DeviceStatus;
import dev.palisade.api.bus.Reading;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end Modbus TCP throughput: N Palisade devices polling one peer as fast as they can,
 * against N bare j2mod masters (one blocking connection each) reading the same 100 registers
 * from the same peer, in the same run. Run by {@code bench/modbus/run.sh}, never by Surefire.
 *
 * <p>Each Palisade device has 10 channels (holding 0-99, 10 registers apart, int16..float64) that
 * merge into one FC03 request of 100 registers per poll, so a poll is one request and 10
 * readings. Poll interval 0 (re-poll as soon as the previous poll is processed) measures the
 * bus's own overhead; real configurations poll far slower.
 *
 * <p>Arguments: {@code HOST PORT DEVICES SECONDS}.
 */
public final class ModbusBench {

    private ModbusBench() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int devices = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        double bare = bare(host, port, devices, 1);          // warm-up
        double palisade = palisade(host, port, devices, 1)[0];
        bare = bare(host, port, devices, seconds);
        double[] ours = palisade(host, port, devices, seconds);
        palisade = ours[0];
        System.out.printf("devices=%d bare_j2mod_req_s=%.0f palisade_req_s=%.0f palisade_readings_s=%.0f ratio=%.2f%n",
                devices, bare, palisade, ours[1], palisade / bare);
    }

    static double bare(String host, int port, int devices, int seconds) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong requests = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<ModbusTCPMaster> masters = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            // false: keep the connection open (true would reconnect for every request).
            ModbusTCPMaster master = new ModbusTCPMaster(host, port, 3000, false);
            master.connect();
            masters.add(master);
            Thread thread = new Thread(() -> {
                try {
                    while (running.get()) {
                        master.readMultipleRegisters(1, 0, 100);
                        requests.incrementAndGet();
                    }
                } catch (Exception e) {
                    if (running.get()) {
                        System.err.println("bare j2mod: " + e);
                    }
                }
            });
            threads.add(thread);
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L);
        long done = requests.get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread thread : threads) {
            thread.join(5000);
        }
        masters.forEach(ModbusTCPMaster::disconnect);
        return done / elapsed;
    }

    static double[] palisade(String host, int port, int devices, int seconds) throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2);
        AtomicLong readings = new AtomicLong();
        DeviceSink sink = new DeviceSink() {
            @Override
            public void readings(ModbusDevice device, List<Reading> list) {
                readings.addAndGet(list.size());
            }

            @Override
            public void statusChanged(ModbusDevice device, DeviceStatus previous, DeviceStatus current) {
            }
        };
        String channels = "a holding 0 int16; b holding 10 uint16; c holding 20 int32; d holding 30 uint32;"
                + " e holding 40 float32; f holding 50 float64; g holding 60 int16 scale=0.1; h holding 70 int32 word=little;"
                + " i holding 80 uint16; j holding 96 int64";
        List<ModbusDevice> list = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            java.util.Map<String, Object> config = Fixtures.tcp("bench-" + i, port, channels);
            config.put("merge.gap", 16);
            DeviceSettings s = Fixtures.settings(config);
            DeviceSettings fast = new DeviceSettings(s.id(), s.transport(), host, port, null, s.unitId(), Duration.ZERO,
                    Duration.ofSeconds(3), s.connectTimeoutMillis(), 1, s.mergeGap(), s.maxRegisters(), s.maxBits(),
                    s.offlineAfter(), s.backoffMax(), s.channels(), s.plan(), "", s.tlsIdentity(), s.roleFunctions(),
                    s.tlsReverify());
            if (fast.plan().size() != 1 || fast.plan().get(0).count() != 100) {
                throw new IllegalStateException("bench plan must be one request of 100 registers: " + fast.plan());
            }
            list.add(new ModbusDevice(fast, new TcpTransport(fast.id(), host, port, Connector.PLAIN, 3000, 3000, 1, scheduler),
                    scheduler, sink, Clock.systemUTC()));
        }
        list.forEach(ModbusDevice::start);
        Thread.sleep(300); // connections up
        long requestsBefore = list.stream().mapToLong(d -> d.requests.get()).sum();
        long readingsBefore = readings.get();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long requests = list.stream().mapToLong(d -> d.requests.get()).sum() - requestsBefore;
        long read = readings.get() - readingsBefore;
        double elapsed = (System.nanoTime() - start) / 1e9;
        long failed = list.stream().mapToLong(d -> d.failedRequests.get()).sum();
        list.forEach(ModbusDevice::stop);
        scheduler.shutdownNow();
        if (failed > 0) {
            System.err.println("palisade: " + failed + " failed request(s)");
        }
        return new double[] {requests / elapsed, read / elapsed};
    }
}
