package io.ringkv.compat.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.Ports;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * The LSM engine behind a real server process keeps acknowledged writes across SIGKILL: several
 * Jedis writers load a node started by bin/ringkv, the process is killed mid-load with no
 * chance to flush, restarted on the same data directory, and every acknowledged key is read
 * back with its value (and its TTL, which is stored as an absolute deadline).
 */
class KillRestartIT {
    private static final int WRITERS = 4;

    private Path dataDir;

    @BeforeEach
    void dir() throws Exception {
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")), "ringkv.jar not built");
        dataDir = Files.createTempDirectory("ringkv-kill");
    }

    @AfterEach
    void clean() throws Exception {
        try (var files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private record Ack(String key, String value, long ackedAtMillis) {}

    /** Loads the node from several connections until killed; returns every acknowledged write. */
    private List<Ack> loadThenKill(RingKvProcess server, long loadMillis) throws Exception {
        ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int id = w;
            Thread t = new Thread(() -> {
                try (Jedis j = new Jedis("127.0.0.1", server.port(), 5000)) {
                    for (int i = 0; !stop.get(); i++) {
                        String key = "w" + id + ":" + i;
                        String value = "value-" + id + "-" + i;
                        if (i % 10 == 0) {
                            j.set(key, value, SetParams.setParams().ex(100_000));
                        } else {
                            j.set(key, value);
                        }
                        acks.add(new Ack(key, value, System.currentTimeMillis()));
                    }
                } catch (RuntimeException e) {
                    // Expected: the connection dies with the process.
                }
            }, "writer-" + w);
            t.start();
            writers.add(t);
        }
        Thread.sleep(loadMillis);
        server.killHard();
        long killedAt = System.currentTimeMillis();
        stop.set(true);
        for (Thread t : writers) {
            t.join(10_000);
        }
        List<Ack> out = new ArrayList<>(acks);
        out.removeIf(a -> a.ackedAtMillis > killedAt);
        return out;
    }

    private static void assertPresent(int port, List<Ack> acks) {
        try (Jedis j = new Jedis("127.0.0.1", port, 10_000)) {
            int missing = 0;
            String firstMissing = null;
            for (Ack a : acks) {
                String got = j.get(a.key);
                if (!a.value.equals(got)) {
                    missing++;
                    if (firstMissing == null) {
                        firstMissing = a.key + " = " + got;
                    }
                }
            }
            assertThat(missing).as("acknowledged writes lost (first: %s) of %d", firstMissing, acks.size()).isZero();
            // Every tenth write carried EX 100000: its deadline survived with it.
            acks.stream().filter(a -> a.key.endsWith("0")).findFirst()
                    .ifPresent(a -> assertThat(j.ttl(a.key)).isBetween(99_000L, 100_000L));
        }
    }

    @Test
    void everyWriteAcknowledgedWithAppendfsyncAlwaysSurvivesSigkill() throws Exception {
        int port = Ports.free();
        List<Ack> all = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            RingKvProcess server = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm",
                    "--appendfsync", "always", "--storage-memtable-bytes-max", "256kb");
            all.addAll(loadThenKill(server, 1500));
            try (RingKvProcess restarted = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm",
                    "--appendfsync", "always")) {
                assertThat(all).isNotEmpty();
                assertPresent(port, all);
                restarted.killHard();
            }
        }
    }

    @Test
    void writesAcknowledgedTwoSecondsBeforeSigkillSurviveWithEverysec() throws Exception {
        int port = Ports.free();
        RingKvProcess server = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm",
                "--appendfsync", "everysec");
        List<Ack> acks = loadThenKill(server, 4000);
        long cutoff = acks.stream().mapToLong(Ack::ackedAtMillis).max().orElseThrow() - 2000;
        List<Ack> old = new ArrayList<>(acks);
        old.removeIf(a -> a.ackedAtMillis > cutoff);
        assertThat(old).isNotEmpty();
        try (RingKvProcess restarted = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm")) {
            assertPresent(port, old);
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                assertThat(j.info("persistence")).contains("storage_engine:lsm").contains("aof_enabled:1");
            }
        }
    }

    @Test
    void cleanShutdownKeepsEverythingAndDbsizeCountsIt() throws Exception {
        int port = Ports.free();
        try (RingKvProcess server = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm")) {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                for (int i = 0; i < 1000; i++) {
                    j.set("k" + i, "v" + i);
                }
                j.del("k0");
            }
            assertThat(server.terminate()).isZero();
        }
        try (RingKvProcess server = RingKvProcess.start(port, "--data-dir", dataDir.toString(), "--storage-engine", "lsm");
                Jedis j = new Jedis("127.0.0.1", port)) {
            assertThat(j.dbSize()).isEqualTo(999);
            assertThat(j.get("k0")).isNull();
            assertThat(j.get("k999")).isEqualTo("v999");
        }
    }
}
