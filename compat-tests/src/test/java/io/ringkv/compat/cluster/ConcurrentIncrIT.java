package io.ringkv.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.RingKvCluster;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

/**
 * Many clients INCR the same key through all three nodes at once: every node forwards to the
 * key's one coordinator, which serialises the read-modify-write under the key's lock, so no
 * increment is lost or applied twice. Each INCR must succeed; the final value equals the
 * number of acknowledged increments, and the replies of the hot key are exactly 1..N (each
 * increment saw all earlier ones).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrentIncrIT {
    private static final int NODES = 3;
    private static final int THREADS_PER_NODE = 4;
    private static final int INCRS_PER_THREAD = 250;
    /** Every fifth increment goes to one of these instead of the hot key. */
    private static final List<String> OTHER_KEYS = List.of("other:a", "other:b", "other:c", "other:{hot}d");
    private static final String HOT = "hot";
    private static final long JOIN_MILLIS = 90_000;

    private RingKvCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")), "ringkv.jar not built");
        cluster = RingKvCluster.builder("ConcurrentIncrIT").size(NODES).start();
    }

    @AfterEach
    void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void concurrentIncrementsThroughEveryNodeAreNeitherLostNorDoubled() throws Exception {
        Map<String, ConcurrentLinkedQueue<Long>> replies = new ConcurrentHashMap<>();
        replies.put(HOT, new ConcurrentLinkedQueue<>());
        OTHER_KEYS.forEach(k -> replies.put(k, new ConcurrentLinkedQueue<>()));
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(NODES * THREADS_PER_NODE);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        try {
            for (int t = 0; t < NODES * THREADS_PER_NODE; t++) {
                int id = t;
                int node = t % NODES;
                Thread th = new Thread(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", cluster.port(node), 30_000)) {
                        j.ping();
                        ready.countDown();
                        go.await();
                        for (int i = 0; i < INCRS_PER_THREAD && !stop.get(); i++) {
                            String key = i % 5 == 4 ? OTHER_KEYS.get((id + i) % OTHER_KEYS.size()) : HOT;
                            replies.get(key).add(j.incr(key));
                        }
                    } catch (Exception e) {
                        failures.add("client " + id + " on n" + (node + 1) + ": " + e);
                        stop.set(true);
                    } finally {
                        ready.countDown(); // in case connecting failed
                    }
                }, "incr-" + t);
                th.start();
                threads.add(th);
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("clients connected").isTrue();
            go.countDown();
            long deadline = System.currentTimeMillis() + JOIN_MILLIS;
            for (Thread th : threads) {
                th.join(Math.max(1, deadline - System.currentTimeMillis()));
            }
            assertThat(threads).as("clients finished within %d ms", JOIN_MILLIS).noneMatch(Thread::isAlive);
        } finally {
            stop.set(true);
            go.countDown();
            for (Thread th : threads) {
                if (th.isAlive()) {
                    th.interrupt();
                    th.join(5_000);
                }
            }
        }
        assertThat(failures).as("failed INCRs (none allowed while every node is up)").isEmpty();

        int total = 0;
        for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : new TreeMap<>(replies).entrySet()) {
            List<Long> seen = new ArrayList<>(e.getValue());
            total += seen.size();
            // Serialised at one coordinator: the replies are exactly 1..n, each once.
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v <= seen.size(); v++) {
                expected.add(v);
            }
            assertThat(seen).as("INCR replies of %s", e.getKey()).containsExactlyInAnyOrderElementsOf(expected);
            for (int n = 0; n < NODES; n++) {
                try (Jedis j = new Jedis("127.0.0.1", cluster.port(n), 30_000)) {
                    assertThat(j.get(e.getKey())).as("%s through n%d", e.getKey(), n + 1).isEqualTo(Integer.toString(seen.size()));
                }
            }
        }
        assertThat(total).isEqualTo(NODES * THREADS_PER_NODE * INCRS_PER_THREAD);
        assertThat(replies.get(HOT)).hasSize(NODES * THREADS_PER_NODE * INCRS_PER_THREAD * 4 / 5);
    }
}
