package io.ringkv.compat.cluster;

import static io.ringkv.compat.cluster.JedisExtras.call;
import static io.ringkv.compat.cluster.JedisExtras.causalGet;
import static io.ringkv.compat.cluster.JedisExtras.causalSet;
import static io.ringkv.compat.cluster.JedisExtras.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.Await;
import io.ringkv.compat.harness.FaultProxy;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RingKvCluster;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A network partition between real processes: every directed pair of nodes talks through its
 * own fault-injecting proxy, and cutting the proxies between {n1, n2} and {n3} splits the
 * cluster. Writes acknowledged on both sides survive the heal: a key written on each side
 * becomes two siblings, a plain GET sees the newer, and CAUSAL.SET with the merged context
 * resolves them. The minority side refuses QUORUM. A link that fails after a forwarded command
 * ran on its coordinator, before the reply came back, must not make the command run twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PartitionIT {
    private static final List<Integer> MAJORITY = List.of(0, 1);
    private static final List<Integer> MINORITY = List.of(2);
    private static final List<Integer> ALL_NODES = List.of(0, 1, 2);

    private RingKvCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")), "ringkv.jar not built");
        cluster = RingKvCluster.builder("PartitionIT").withProxies().requestTimeoutMillis(2000).start();
    }

    @AfterAll
    void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void flushAll() throws Exception {
        try (Jedis j = jedis(0)) {
            assertThat(j.flushAll()).isEqualTo("OK");
        }
    }

    @AfterEach
    void heal() throws Exception {
        cluster.heal();
        cluster.awaitAllSeeAllUp();
    }

    private Jedis jedis(int node) {
        return new Jedis("127.0.0.1", cluster.port(node), 20_000);
    }

    /** Cuts {n1, n2} from {n3} and waits until each side sees only itself up. */
    private void partition() throws InterruptedException {
        // All cluster traffic goes through the proxies (else cutting them would prove nothing).
        // Gossip reaches every peer within a few rounds (a peer may first be heard of through a
        // third node), so each directed pair has opened its connection through its proxy by then.
        for (int from : ALL_NODES) {
            for (int to : ALL_NODES) {
                if (from != to) {
                    FaultProxy proxy = cluster.proxy(from, to);
                    Await.until(Duration.ofSeconds(10), "a connection relayed by " + proxy, () -> proxy.relayed() > 0);
                }
            }
        }
        cluster.partition(MAJORITY, MINORITY);
        for (int n : MAJORITY) {
            cluster.awaitSeesUp(n, MAJORITY);
        }
        cluster.awaitSeesUp(2, MINORITY);
    }

    /** Waits until the wall clock has moved past {@code millis}, so a later write has a later timestamp. */
    private static void clockPast(long millis) throws InterruptedException {
        Await.until(Duration.ofSeconds(1), "the clock passes " + millis, () -> System.currentTimeMillis() > millis + 1);
    }

    @Test
    void writesOnBothSidesOfAPartitionBecomeSiblingsThatCausalSetResolves() throws Exception {
        boolean refusedUpFront;
        partition();
        try (Jedis n1 = jedis(0); Jedis n3 = jedis(2)) {
            // Majority side: QUORUM works (n1 and n2 are 2 of 3 replicas).
            assertThat(n1.set("k", "from-majority")).isEqualTo("OK");
            long majorityAckedAt = System.currentTimeMillis();
            assertThat(n1.get("k")).isEqualTo("from-majority");
            // Minority side: QUORUM is refused, for reads and writes, and writes nothing.
            JedisDataException refused = catchThrowableOfType(JedisDataException.class, () -> n3.set("refused", "x"));
            assertThat(refused).as("QUORUM SET on the minority side").isNotNull();
            assertThat(refused.getMessage()).matches("(UNAVAILABLE|TIMEOUT) .*");
            refusedUpFront = refused.getMessage().startsWith("UNAVAILABLE");
            assertThatThrownBy(() -> n3.get("k")).isInstanceOf(JedisDataException.class)
                    .satisfies(e -> assertThat(e.getMessage()).matches("(UNAVAILABLE|TIMEOUT) .*"));
            // ONE works on the minority side, and sees its own write.
            clockPast(majorityAckedAt);
            assertThat(text(call(n3, "CL", "ONE", "SET", "k", "from-minority"))).isEqualTo("OK");
            assertThat(text(call(n3, "CL", "ONE", "GET", "k"))).isEqualTo("from-minority");
            assertThat(n1.get("k")).as("the majority does not see the minority's write yet").isEqualTo("from-majority");
        }

        cluster.heal();
        cluster.awaitAllSeeAllUp();
        for (int n : ALL_NODES) {
            cluster.awaitMembersUp(n, 3);
        }

        try (Jedis n1 = jedis(0); Jedis n2 = jedis(1); Jedis n3 = jedis(2)) {
            // Reading every replica merges both acknowledged writes: concurrent, so both are kept.
            JedisExtras.Causal siblings = causalGet(n1, "ALL", "k");
            assertThat(siblings.values()).containsExactlyInAnyOrder("from-majority", "from-minority");
            // That read repaired the replicas that missed a sibling (in the background): then
            // QUORUM reads through every node see both siblings, and GET the newer write.
            Await.until(Duration.ofSeconds(10), "QUORUM reads through every node see both siblings", () -> {
                for (Jedis j : List.of(n1, n2, n3)) {
                    List<String> values = causalGet(j, "k").values();
                    if (values.size() != 2 || !values.containsAll(List.of("from-majority", "from-minority"))) {
                        return false;
                    }
                }
                return true;
            });
            for (Jedis j : List.of(n1, n2, n3)) {
                assertThat(j.get("k")).isEqualTo("from-minority");
            }
            // UNAVAILABLE means nothing was written, anywhere (TIMEOUT may have written some replicas).
            if (refusedUpFront) {
                assertThat(call(n2, "CL", "ALL", "GET", "refused")).isNull();
            }
            // A write with the merged context supersedes both siblings.
            causalSet(n2, "k", "resolved", siblings.context());
            for (Jedis j : List.of(n1, n2, n3)) {
                assertThat(causalGet(j, "k").values()).containsExactly("resolved");
                assertThat(causalGet(j, "ALL", "k").values()).containsExactly("resolved");
                assertThat(j.get("k")).isEqualTo("resolved");
            }
        }
    }

    @Test
    void everyWriteAcknowledgedOnEitherSideIsReadableEverywhereAfterTheHeal() throws Exception {
        int keys = 100;
        partition();
        try (Jedis n2 = jedis(1); Jedis n3 = jedis(2)) {
            for (int i = 0; i < keys; i++) {
                assertThat(n2.set("maj:" + i, "m" + i)).isEqualTo("OK");
                assertThat(text(call(n3, "CL", "ONE", "SET", "min:" + i, "n" + i))).isEqualTo("OK");
            }
            // Proof the sides really were apart: each misses the other's keys.
            assertThat(text(call(n3, "CL", "ONE", "GET", "maj:0"))).isNull();
            assertThat(n2.get("min:0")).isNull();
        }
        assertThat(cluster.proxy(2, 0).refused() + cluster.proxy(0, 2).refused()).as("reconnects refused while cut").isPositive();

        cluster.heal();
        cluster.awaitAllSeeAllUp();

        // A read at ALL merges what each side acknowledged, through any node.
        try (Jedis j = jedis(0)) {
            for (int i = 0; i < keys; i++) {
                assertThat(text(call(j, "CL", "ALL", "GET", "maj:" + i))).isEqualTo("m" + i);
                assertThat(text(call(j, "CL", "ALL", "GET", "min:" + i))).isEqualTo("n" + i);
            }
        }
        // It also repaired the replicas that missed a write: QUORUM reads through every node
        // then agree, and DBSIZE counts every key once.
        for (int n : ALL_NODES) {
            try (Jedis j = jedis(n)) {
                Await.until(Duration.ofSeconds(10), "QUORUM reads through n" + (n + 1) + " see every write", () -> {
                    for (int i = 0; i < keys; i++) {
                        if (!("m" + i).equals(j.get("maj:" + i)) || !("n" + i).equals(j.get("min:" + i))) {
                            return false;
                        }
                    }
                    return j.dbSize() == 2L * keys;
                });
            }
        }
    }

    /** A key whose preference list starts with {@code nodeId}: that node coordinates it while up. */
    private String keyCoordinatedBy(String nodeId) {
        try (Jedis j = jedis(0)) {
            for (int i = 0; i < 10_000; i++) {
                String k = "fwd:" + i;
                if (JedisExtras.prefList(j, k).nodes().get(0).equals(nodeId)) {
                    return k;
                }
            }
        }
        throw new AssertionError("no key coordinated by " + nodeId + " among 10000");
    }

    /**
     * The link between the client's node and the key's coordinator fails after the coordinator
     * executed a forwarded INCR but before its reply came back. The client sent one INCR, so
     * the value grows by one; the reply is that value, or TIMEOUT (outcome unknown), never a
     * second increment and never UNAVAILABLE (which promises nothing was written).
     */
    @Test
    void aForwardedIncrWhoseReplyIsLostIsAppliedOnce() throws Exception {
        String key = keyCoordinatedBy(cluster.nodeId(2));
        try (Jedis n1 = jedis(0)) {
            assertThat(n1.set(key, "10")).isEqualTo("OK");
        }
        String reply;
        try (RawRespClient client = cluster.client(0); Jedis n2 = jedis(1)) {
            client.setTimeoutMillis(30_000);
            cluster.proxy(0, 2).holdReplies();
            client.send(RawRespClient.command("INCR", key));
            // n3 executed it: a read at ALL through n2 (coordinated by n3 over links not held) sees 11.
            Await.until(Duration.ofSeconds(10), "n3 applied the forwarded INCR",
                    () -> "11".equals(text(call(n2, "CL", "ALL", "GET", key))));
            // Now the link n1 -> n3 breaks with the reply still on its way.
            cluster.proxy(0, 2).cut();
            reply = new String(client.readReply(), StandardCharsets.UTF_8);
        } finally {
            cluster.heal();
        }
        cluster.awaitAllSeeAllUp();
        try (Jedis n2 = jedis(1)) {
            String value = text(call(n2, "CL", "ALL", "GET", key));
            assertThat(value).as("value after one INCR of 10 (the INCR's reply was %s)", reply.strip()).isEqualTo("11");
        }
        assertThat(reply).as("reply to the INCR").matches(":11\r\n|-TIMEOUT .*\r\n");
    }
}
