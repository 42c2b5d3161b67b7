package io.ringkv.compat.cluster;

import static io.ringkv.compat.cluster.JedisExtras.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.Await;
import io.ringkv.compat.harness.RingKvCluster;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A node SIGKILLed under load in a three-node cluster (LSM engine, commit log fsynced on every
 * write): writes through the two survivors keep being acknowledged while it dies; QUORUM writes
 * and reads through the survivors keep working; ALL answers UNAVAILABLE once the survivors see
 * the peer down; the node restarts on its data directory and a read at ALL of every key through
 * a survivor repairs it; with the two others then killed, the restarted node alone answers
 * every acknowledged write with its latest value, which it can only have got by hinted handoff
 * (the survivors replay the hints they kept for it once it is back) or read repair.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NodeFailureIT {
    private static final int KEYS = 1000;
    /** Commands per pipelined batch: bounded, so one batch never floods a coordinator. */
    private static final int BATCH = 100;
    private static final int VICTIM = 2;
    private static final int[] SURVIVORS = {0, 1};
    /** Bound on one pass over all keys (fsync on every write makes writes slow on a busy disk). */
    private static final long PASS_SECONDS = 60;
    /** Acknowledged load writes wanted before the kill and again after the survivors noticed it. */
    private static final int LOAD_ACKS_PER_PHASE = 100;
    /** Bound on each load writer. */
    private static final int LOAD_WRITES_MAX = 20_000;

    private RingKvCluster cluster;
    private long startNanos;

    @BeforeEach
    void startCluster() throws Exception {
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")), "ringkv.jar not built");
        cluster = RingKvCluster.builder("NodeFailureIT").engine("lsm").args("--appendfsync", "always")
                .requestTimeoutMillis(3000).start();
    }

    @AfterEach
    void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Jedis jedis(int node) {
        return new Jedis("127.0.0.1", cluster.port(node), 30_000);
    }

    private void phase(String what) {
        System.out.printf("NodeFailureIT %6d ms: %s%n", (System.nanoTime() - startNanos) / 1_000_000, what);
    }

    @FunctionalInterface
    private interface BatchWork {
        void run(Jedis j, List<String> keys) throws Exception;
    }

    /**
     * Runs {@code work} on every batch of {@code keys}, the batches spread over {@code nodes}, one
     * connection and thread per node (so the nodes' commit-log fsyncs overlap).
     */
    private static void inParallel(RingKvCluster cluster, List<String> keys, int[] nodes, BatchWork work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.length);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int w = 0; w < nodes.length; w++) {
                int worker = w;
                done.add(pool.submit(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", cluster.port(nodes[worker]), 30_000)) {
                        for (int from = worker * BATCH; from < keys.size(); from += nodes.length * BATCH) {
                            work.run(j, keys.subList(from, Math.min(keys.size(), from + BATCH)));
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                try {
                    f.get(PASS_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).as("pass workers stopped").isTrue();
        }
    }

    /** SETs every key to its value through {@code nodes}, pipelined; every reply must be OK. */
    private void writeAll(Map<String, String> values, int... nodes) throws Exception {
        inParallel(cluster, new ArrayList<>(values.keySet()), nodes, (j, keys) -> {
            Pipeline p = j.pipelined();
            List<Response<String>> acks = new ArrayList<>();
            for (String k : keys) {
                acks.add(p.set(k, values.get(k)));
            }
            p.sync();
            for (Response<String> r : acks) {
                assertThat(r.get()).isEqualTo("OK");
            }
        });
    }

    /** Reads every key at {@code level} through {@code nodes}; returns the keys whose value was not the expected one. */
    private List<String> wrongValues(String level, Map<String, String> expected, int... nodes) throws Exception {
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        inParallel(cluster, new ArrayList<>(expected.keySet()), nodes, (j, keys) -> {
            Pipeline p = j.pipelined();
            List<Response<Object>> replies = new ArrayList<>();
            for (String k : keys) {
                replies.add(p.sendCommand(command("CL"), level, "GET", k));
            }
            p.sync();
            for (int i = 0; i < keys.size(); i++) {
                String v = JedisExtras.text(replies.get(i).get());
                if (!expected.get(keys.get(i)).equals(v)) {
                    wrong.add(keys.get(i) + "=" + v + " (expected " + expected.get(keys.get(i)) + ")");
                }
            }
        });
        List<String> out = new ArrayList<>(wrong);
        if (!out.isEmpty()) {
            System.out.println("read at " + level + ": " + out.size() + " keys wrong, e.g. " + out.subList(0, Math.min(5, out.size())));
        }
        return out;
    }

    private long readRepairs() throws Exception {
        return counter("read_repairs");
    }

    private long counter(String field) throws Exception {
        long sum = 0;
        for (int n : cluster.running()) {
            sum += cluster.infoRingCounter(n, field);
        }
        return sum;
    }

    /** Writers through the survivors, one per survivor, each writing its own keys until stopped. */
    private final class Load implements AutoCloseable {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        /** Error replies (not acknowledged: allowed, counted). */
        final Queue<String> refused = new ConcurrentLinkedQueue<>();
        /** Anything else (a survivor's connection failing): a bug. */
        final Queue<String> broken = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();

        Load start() {
            for (int s : SURVIVORS) {
                Thread t = new Thread(() -> {
                    try (Jedis j = jedis(s)) {
                        for (int i = 0; i < LOAD_WRITES_MAX && !stop.get(); i++) {
                            String k = "load:" + s + ":" + i;
                            String v = "v" + i;
                            try {
                                if ("OK".equals(j.set(k, v))) {
                                    acked.put(k, v);
                                }
                            } catch (JedisDataException e) {
                                refused.add(k + ": " + e.getMessage());
                            }
                        }
                    } catch (RuntimeException e) {
                        broken.add("writer through n" + (s + 1) + ": " + e);
                    }
                }, "load-n" + (s + 1));
                t.start();
                threads.add(t);
            }
            return this;
        }

        void awaitMoreAcks(int more) throws InterruptedException {
            int target = acked.size() + more;
            Await.until(Duration.ofSeconds(60), target + " load writes acknowledged", () -> acked.size() >= target || !broken.isEmpty());
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(threads).as("load writers stopped").noneMatch(Thread::isAlive);
        }
    }

    @Test
    void acknowledgedWritesSurviveASigkilledNodeAndReadRepairCatchesItUpAfterRestart() throws Exception {
        startNanos = System.nanoTime();
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            expected.put("key:" + i, "old-" + i);
        }
        // Every key written while all three are up: the victim's disk holds these old values.
        writeAll(expected, 0, 1, 2);
        phase("wrote " + KEYS + " keys with all three up");

        // SIGKILL while clients write through the survivors.
        Load load = new Load().start();
        try (load) {
            load.awaitMoreAcks(LOAD_ACKS_PER_PHASE);
            cluster.kill(VICTIM);
            cluster.awaitSeesUp(0, List.of(0, 1));
            cluster.awaitSeesUp(1, List.of(0, 1));
            load.awaitMoreAcks(LOAD_ACKS_PER_PHASE);
        }
        phase("killed " + cluster.nodeId(VICTIM) + " under load: " + load.acked.size() + " writes acknowledged, "
                + load.refused.size() + " refused " + load.refused.stream().limit(3).toList());
        assertThat(load.broken).as("survivors' connections failing").isEmpty();
        // Only an unknown outcome may be refused while the victim dies, and only briefly.
        assertThat(load.refused).allMatch(r -> r.contains(": TIMEOUT ")).hasSizeLessThan(20);
        expected.putAll(load.acked);

        // ALL needs the dead node: refused up front, nothing attempted.
        try (Jedis j = jedis(0)) {
            assertThatThrownBy(() -> j.sendCommand(command("CL"), "ALL", "GET", "key:0")).isInstanceOf(JedisDataException.class)
                    .hasMessage("UNAVAILABLE ALL read needs 3 live replicas, 2 alive");
            assertThatThrownBy(() -> j.sendCommand(command("CL"), "ALL", "SET", "key:0", "never")).isInstanceOf(JedisDataException.class)
                    .hasMessage("UNAVAILABLE ALL write needs 3 live replicas, 2 alive");
        }
        // QUORUM (2 of 3) keeps working through both survivors.
        Map<String, String> newer = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            newer.put("key:" + i, "new-" + i);
        }
        writeAll(newer, SURVIVORS);
        expected.putAll(newer);
        assertThat(wrongValues("QUORUM", expected, SURVIVORS)).isEmpty();
        phase("overwrote every key and read back " + expected.size() + " at QUORUM through the survivors");

        cluster.restart(VICTIM);
        cluster.awaitAllSeeAllUp();
        phase("restarted " + cluster.nodeId(VICTIM));
        long repairsBefore = readRepairs();

        // A read at ALL asks every replica and repairs the ones that answered with less.
        assertThat(wrongValues("ALL", expected, SURVIVORS)).isEmpty();
        long repaired = readRepairs() - repairsBefore;
        long hinted = counter("hints_delivered");
        phase("read " + expected.size() + " keys at ALL: " + repaired + " read repairs, " + hinted + " hints delivered");
        assertThat(repaired + hinted).as("hints and read repairs for the %d keys the restarted node missed", KEYS)
                .isGreaterThanOrEqualTo(KEYS);
        // A second pass finds nothing left to repair: the first pass's repairs have landed.
        long beforeSecondPass = readRepairs();
        assertThat(wrongValues("ALL", expected, 1, 0)).isEmpty();
        assertThat(readRepairs() - beforeSecondPass).as("repairs needed by a second ALL pass").isZero();

        // Only the restarted node left: it answers every key, latest value, from its own replica.
        cluster.kill(0);
        cluster.kill(1);
        cluster.awaitSeesUp(VICTIM, List.of(VICTIM));
        assertThat(wrongValues("ONE", expected, VICTIM)).isEmpty();
        phase("the restarted node alone answered all " + expected.size() + " acknowledged writes with their latest values");
        try (Jedis j = jedis(VICTIM)) {
            assertThatThrownBy(() -> j.get("key:0")).isInstanceOf(JedisDataException.class)
                    .hasMessage("UNAVAILABLE QUORUM read needs 2 live replicas, 1 alive");
        }
    }
}
