package io.ringkv.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.Await;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RingKvCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Five real node processes (LSM engine) under a bounded write load at QUORUM, through every
 * kind of trouble issue 5 names, one after another while the load runs:
 * <ol>
 *   <li>a node is SIGKILLed for a while: writes keep being acknowledged, hints pile up for it
 *       on the others, and drain to zero once it is back;
 *   <li>a node's data directory is wiped and the node restarted: {@code RING REPAIR} on it
 *       brings back the keys it replicates;
 *   <li>a sixth node joins (started with the others as seeds): it streams its partitions and
 *       becomes a normal member;
 *   <li>a node is decommissioned ({@code RING LEAVE}): its partitions stream away and it stops.
 * </ol>
 * At the end every acknowledged write reads back at ALL (or a later write whose outcome was
 * unknown when the load saw an error).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class SelfHealingIT {
    private static final int KEYS = 1500;
    /** Bound on the load: it stops by itself after this many writes. */
    private static final int LOAD_WRITES_MAX = 200_000;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

    @Test
    void aFiveNodeClusterSurvivesAKillAWipeAJoinAndALeaveWithoutLosingAcknowledgedWrites() throws Exception {
        try (RingKvCluster cluster = RingKvCluster.builder("self-healing").size(5).engine("lsm")
                .args("--hint-delivery-interval-ms", "500", "--repair-interval-ms", "0").start()) {
            Load load = new Load(cluster);
            long repaired;
            Thread writer = new Thread(load, "self-healing-load");
            writer.start();
            try {
                load.awaitAcks(500);

                // 1. kill -9 a node for a while: QUORUM writes continue, hints accumulate and drain.
                cluster.kill(2);
                long acksAtKill = load.acks.get();
                load.awaitAcks(acksAtKill + 1500);
                long hintsStored = 0;
                for (int i : List.of(0, 1, 3, 4)) {
                    hintsStored += cluster.infoRingCounter(i, "hints_stored");
                }
                assertThat(hintsStored).as("hints stored for the dead node").isPositive();
                cluster.restart(2);
                Await.until(STEP_TIMEOUT, "hints drained", () -> totalCounter(cluster, "hints_pending") == 0);
                long delivered = totalCounter(cluster, "hints_delivered");
                assertThat(delivered).as("hints delivered").isPositive();

                // 2. wipe a node's disk and bring it back: RING REPAIR restores what it replicates.
                cluster.kill(3);
                cluster.wipe(3);
                cluster.restart(3);
                cluster.awaitAllSeeAllUp();
                String report;
                try (RawRespClient c = cluster.client(3)) {
                    c.setTimeoutMillis(120_000);
                    report = new String(c.call("RING", "REPAIR"), java.nio.charset.StandardCharsets.UTF_8);
                }
                assertThat(report).as("repair report").contains("partitions:");
                repaired = Long.parseLong(report.replaceAll("(?s).*?keys_repaired:(\\d+).*", "$1"));
                assertThat(repaired).as("keys repaired onto the wiped node").isPositive();

                // 3. a sixth node joins while the load runs.
                int joiner = cluster.addNode();
                Await.until(STEP_TIMEOUT, "n6 is a normal member", () -> ringSettledWith(cluster, 0, 6)
                        && "up".equals(cluster.info(joiner, "ring").get("ring_status")));
                assertThat(cluster.infoRingCounter(0, "partitions_owned")).isPositive();
                assertThat(cluster.info(joiner, "ring").get("stream_state")).isIn("done", "idle");

                // 4. decommission one node while the load runs: it streams away, leaves and stops.
                try (RawRespClient c = cluster.client(4)) {
                    assertThat(c.callString("RING", "LEAVE")).isEqualTo("+OK\r\n");
                }
                Await.until(STEP_TIMEOUT, "n5 has left and stopped", () -> !cluster.isRunning(4) && ringSettledWith(cluster, 0, 5));
                load.awaitAcks(load.acks.get() + 200);
            } finally {
                load.stop.set(true);
                writer.join(60_000);
            }
            assertThat(load.failure).as("load writer failure").isNull();

            // Every acknowledged write reads back at ALL.
            List<String> wrong = new ArrayList<>();
            try (RawRespClient c = cluster.client(0)) {
                for (Map.Entry<String, String> e : load.acked.entrySet()) {
                    String got = bulk(c.call("CL", "ALL", "GET", e.getKey()));
                    Set<String> allowed = new HashSet<>(load.unknown.getOrDefault(e.getKey(), Set.of()));
                    allowed.add(e.getValue());
                    if (!allowed.contains(got)) {
                        wrong.add(e.getKey() + "=" + got + " (acked " + e.getValue() + ")");
                    }
                }
            }
            assertThat(wrong).as("acknowledged writes not read back at ALL").isEmpty();
            System.out.printf("SelfHealingIT: %d writes acknowledged, %d failed, %d keys; hints stored %d delivered %d; keys repaired onto the wiped node %d%n",
                    load.acks.get(), load.failures.get(), load.acked.size(), totalCounter(cluster, "hints_stored"),
                    totalCounter(cluster, "hints_delivered"), repaired);
        }
    }

    /** Whether node i sees a settled ring (no transition) of exactly {@code members} members. */
    private static boolean ringSettledWith(RingKvCluster cluster, int i, int members) throws IOException {
        Map<String, String> ring = cluster.info(i, "ring");
        return Integer.toString(members).equals(ring.get("members")) && "no".equals(ring.get("ring_in_transition"));
    }

    private static long totalCounter(RingKvCluster cluster, String field) throws IOException {
        long sum = 0;
        for (int i : cluster.running()) {
            sum += cluster.infoRingCounter(i, field);
        }
        return sum;
    }

    private static String bulk(byte[] reply) {
        String s = new String(reply, java.nio.charset.StandardCharsets.UTF_8);
        if (s.startsWith("$-1")) {
            return null;
        }
        if (!s.startsWith("$")) {
            return "<" + s.strip() + ">";
        }
        return s.substring(s.indexOf("\r\n") + 2, s.length() - 2);
    }

    /**
     * One writer thread, keys written in turn: the last acknowledged value of each key is
     * known, and values whose write failed (outcome unknown) are remembered as also allowed.
     */
    private static final class Load implements Runnable {
        final RingKvCluster cluster;
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final Map<String, Set<String>> unknown = new ConcurrentHashMap<>();
        final AtomicLong acks = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile Throwable failure;
        private final SplittableRandom random = new SplittableRandom(42);
        private final Map<Integer, RawRespClient> clients = new ConcurrentHashMap<>();

        Load(RingKvCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void run() {
            try {
                for (int n = 0; n < LOAD_WRITES_MAX && !stop.get(); n++) {
                    String key = "heal:" + (n % KEYS);
                    String value = "v" + n;
                    List<Integer> running = cluster.running();
                    int node = running.get(random.nextInt(running.size()));
                    if (write(node, key, value)) {
                        acked.put(key, value);
                        unknown.remove(key);
                        acks.incrementAndGet();
                    } else {
                        unknown.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(value);
                        failures.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                for (RawRespClient c : clients.values()) {
                    try {
                        c.close();
                    } catch (IOException e) {
                        // closing a client of a dead node
                    }
                }
            }
        }

        private boolean write(int node, String key, String value) {
            try {
                RawRespClient c = clients.get(node);
                if (c == null) {
                    c = cluster.client(node);
                    c.setTimeoutMillis(15_000);
                    clients.put(node, c);
                }
                return c.callString("SET", key, value).equals("+OK\r\n");
            } catch (IOException e) {
                RawRespClient dead = clients.remove(node);
                if (dead != null) {
                    try {
                        dead.close();
                    } catch (IOException ignored) {
                        // the connection is already broken
                    }
                }
                return false;
            }
        }

        void awaitAcks(long n) throws InterruptedException {
            Await.until(STEP_TIMEOUT, n + " acknowledged writes", () -> {
                if (failure != null) {
                    throw new AssertionError("load failed", failure);
                }
                return acks.get() >= n;
            });
        }
    }
}
