package io.ringkv.compat.cluster;

import static io.ringkv.compat.cluster.JedisExtras.call;
import static io.ringkv.compat.cluster.JedisExtras.causalGet;
import static io.ringkv.compat.cluster.JedisExtras.causalSet;
import static io.ringkv.compat.cluster.JedisExtras.text;
import static io.ringkv.compat.cluster.JedisExtras.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ProtocolVersion;
import io.ringkv.compat.clients.RedisCli;
import io.ringkv.compat.harness.Await;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RingKvCluster;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Real clients against a three-node cluster of real processes: Jedis, Lettuce (RESP2 and
 * RESP3) and redis-cli connect to each node in turn; a write through one node is read through
 * the others (the nodes forward each key to its coordinator), multi-key commands spread over
 * many partitions and every coordinator, and the cluster-wide commands (SCAN, KEYS, DBSIZE,
 * RANDOMKEY, FLUSHALL) see the whole keyspace from any node. RingKV's own commands (CAUSAL.*,
 * CONSISTENCY, CL) answer the same through every node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ClusterClientsIT {
    private static final int NODES = 3;
    private static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

    private RingKvCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")), "ringkv.jar not built");
        cluster = RingKvCluster.builder("ClusterClientsIT").size(NODES).start();
    }

    @AfterAll
    void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void flushAll() {
        try (Jedis j = jedis(0)) {
            assertThat(j.flushAll()).isEqualTo("OK");
        }
    }

    private Jedis jedis(int node) {
        return new Jedis("127.0.0.1", cluster.port(node), 10_000);
    }

    private RedisClient lettuce(int node, ProtocolVersion protocol) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(cluster.port(node))
                .withTimeout(Duration.ofSeconds(10)).build());
        client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
        return client;
    }

    private static void shutdown(RedisClient client) {
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static List<String> keys(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    // ------------------------------------------------------------------ write here, read there

    @Test
    void jedisWriteThroughOneNodeIsReadThroughEveryOther() {
        for (int w = 0; w < NODES; w++) {
            Map<String, String> written = new LinkedHashMap<>();
            try (Jedis writer = jedis(w)) {
                for (String k : keys("jedis:" + w + ":", 30)) {
                    String v = "value of " + k + " from n" + (w + 1);
                    assertThat(writer.set(k, v)).isEqualTo("OK");
                    written.put(k, v);
                }
            }
            for (int r = 0; r < NODES; r++) {
                try (Jedis reader = jedis(r)) {
                    for (Map.Entry<String, String> e : written.entrySet()) {
                        assertThat(reader.get(e.getKey())).as("GET %s through n%d", e.getKey(), r + 1).isEqualTo(e.getValue());
                    }
                    assertThat(reader.mget(written.keySet().toArray(new String[0]))).containsExactlyElementsOf(written.values());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    @SuppressWarnings("unchecked")
    void lettuceWriteThroughOneNodeIsReadThroughEveryOther(ProtocolVersion protocol) throws Exception {
        List<RedisClient> clients = new ArrayList<>();
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        try {
            for (int n = 0; n < NODES; n++) {
                RedisClient c = lettuce(n, protocol);
                clients.add(c);
                connections.add(c.connect());
            }
            for (int w = 0; w < NODES; w++) {
                // Async and pipelined: Lettuce keeps many commands in flight on one connection.
                RedisAsyncCommands<String, String> writer = connections.get(w).async();
                List<RedisFuture<String>> acks = new ArrayList<>();
                List<String> ks = keys("lettuce:" + protocol + ":" + w + ":", 50);
                String suffix = "=" + w;
                for (String k : ks) {
                    acks.add(writer.set(k, k + suffix));
                }
                assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(20), acks.toArray(new RedisFuture[0]))).isTrue();
                for (RedisFuture<String> f : acks) {
                    assertThat(f.get()).isEqualTo("OK");
                }
                for (int r = 0; r < NODES; r++) {
                    RedisCommands<String, String> reader = connections.get(r).sync();
                    for (String k : ks) {
                        assertThat(reader.get(k)).as("GET %s through n%d over %s", k, r + 1, protocol).isEqualTo(k + suffix);
                    }
                    List<KeyValue<String, String>> all = reader.mget(ks.toArray(new String[0]));
                    assertThat(all).extracting(KeyValue::getValue).containsExactlyElementsOf(ks.stream().map(k -> k + suffix).toList());
                    assertThat(reader.exists(ks.toArray(new String[0]))).isEqualTo(ks.size());
                }
            }
            // RingKV's own commands through Lettuce's generic dispatch: the CAUSAL.GET reply shape.
            RedisCommands<String, String> first = connections.get(0).sync();
            first.set("lettuce:causal", "v");
            for (int r = 0; r < NODES; r++) {
                List<Object> reply = connections.get(r).sync().dispatch(new Keyword("CAUSAL.GET"),
                        new NestedMultiOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).addKey("lettuce:causal"));
                assertThat(reply).hasSize(2);
                assertThat((List<Object>) reply.get(1)).containsExactly("v");
            }
        } finally {
            connections.forEach(StatefulRedisConnection::close);
            clients.forEach(ClusterClientsIT::shutdown);
        }
    }

    /** A command name Lettuce does not know. */
    private record Keyword(String name) implements ProtocolKeyword {
        @Override
        public byte[] getBytes() {
            return name.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Test
    void redisCliWriteThroughOneNodeIsReadThroughEveryOther() throws Exception {
        assumeTrue(RedisCli.available(), "redis-cli is not installed");
        for (int w = 0; w < NODES; w++) {
            List<String> ks = keys("cli:" + w + ":", 20);
            StringBuilder sets = new StringBuilder();
            StringBuilder gets = new StringBuilder();
            for (String k : ks) {
                sets.append("SET ").append(k).append(" \"v of ").append(k).append("\"\n");
                gets.append("GET ").append(k).append('\n');
            }
            RedisCli.Result set = RedisCli.run(cluster.port(w), sets.toString().getBytes(StandardCharsets.UTF_8));
            assertThat(set.exitCode()).as(set.stderr()).isZero();
            assertThat(set.lines()).hasSize(ks.size()).allMatch("OK"::equals);
            for (int r = 0; r < NODES; r++) {
                RedisCli.Result get = RedisCli.run(cluster.port(r), gets.toString().getBytes(StandardCharsets.UTF_8));
                assertThat(get.exitCode()).as(get.stderr()).isZero();
                assertThat(get.lines()).containsExactlyElementsOf(ks.stream().map(k -> "v of " + k).toList());
            }
            RedisCli.Result oneShot = RedisCli.run(cluster.port((w + 1) % NODES), null, "GET", ks.get(0));
            assertThat(oneShot.out()).isEqualTo("v of " + ks.get(0) + "\n");
        }
    }

    // ------------------------------------------------------------------ multi-key and counters

    @Test
    void multiKeyCommandsSpanManyPartitionsAndEveryCoordinator() {
        List<String> ks = keys("mk:", 300);
        Set<Long> partitions = new HashSet<>();
        Set<String> coordinators = new HashSet<>();
        try (Jedis j = jedis(0)) {
            for (String k : ks) {
                JedisExtras.PrefList p = JedisExtras.prefList(j, k);
                partitions.add(p.partition());
                coordinators.add(p.nodes().get(0));
                assertThat(p.nodes()).hasSize(3).doesNotHaveDuplicates();
            }
        }
        // The test means something only if the keys are really spread out.
        assertThat(partitions).hasSizeGreaterThan(100);
        assertThat(coordinators).containsExactlyInAnyOrder("n1", "n2", "n3");
        for (int w = 0; w < NODES; w++) {
            String[] kv = new String[ks.size() * 2];
            for (int i = 0; i < ks.size(); i++) {
                kv[2 * i] = ks.get(i);
                kv[2 * i + 1] = "w" + w + ":" + i;
            }
            try (Jedis writer = jedis(w)) {
                assertThat(writer.mset(kv)).isEqualTo("OK");
            }
            try (Jedis reader = jedis((w + 1) % NODES)) {
                List<String> values = reader.mget(ks.toArray(new String[0]));
                for (int i = 0; i < ks.size(); i++) {
                    assertThat(values.get(i)).isEqualTo("w" + w + ":" + i);
                }
                List<String> withMissing = new ArrayList<>(ks.subList(0, 5));
                withMissing.add("mk:missing");
                assertThat(reader.mget(withMissing.toArray(new String[0]))).containsExactly("w" + w + ":0", "w" + w + ":1",
                        "w" + w + ":2", "w" + w + ":3", "w" + w + ":4", null);
                assertThat(reader.exists(ks.toArray(new String[0]))).isEqualTo(ks.size());
                // A key named twice counts twice, as in Redis.
                assertThat(reader.exists(ks.get(0), ks.get(0), "mk:missing")).isEqualTo(2);
            }
            try (Jedis deleter = jedis((w + 2) % NODES)) {
                assertThat(deleter.del(ks.subList(0, 150).toArray(new String[0]))).isEqualTo(150);
                assertThat(deleter.del(ks.subList(0, 150).toArray(new String[0]))).isZero();
                assertThat(deleter.unlink(ks.subList(150, 300).toArray(new String[0]))).isEqualTo(150);
            }
            for (int r = 0; r < NODES; r++) {
                try (Jedis reader = jedis(r)) {
                    assertThat(reader.exists(ks.toArray(new String[0]))).isZero();
                    assertThat(reader.dbSize()).isZero();
                }
            }
        }
    }

    @Test
    void incrementsThroughDifferentNodesAddUp() {
        List<Jedis> js = List.of(jedis(0), jedis(1), jedis(2));
        try {
            for (int i = 1; i <= 60; i++) {
                assertThat(js.get(i % NODES).incr("counter")).isEqualTo(i);
            }
            assertThat(js.get(0).incrBy("counter", 40)).isEqualTo(100);
            assertThat(js.get(1).decrBy("counter", 10)).isEqualTo(90);
            assertThat(js.get(2).decr("counter")).isEqualTo(89);
            assertThat(js.get(0).incrByFloat("float", 1.5)).isEqualTo(1.5);
            assertThat(js.get(1).incrByFloat("float", 1.25)).isEqualTo(2.75);
            for (Jedis j : js) {
                assertThat(j.get("counter")).isEqualTo("89");
                assertThat(j.get("float")).isEqualTo("2.75");
            }
            js.get(0).set("text", "abc");
            assertThatThrownBy(() -> js.get(1).incr("text")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            assertThat(js.get(2).get("text")).isEqualTo("abc");
        } finally {
            js.forEach(Jedis::close);
        }
    }

    @Test
    void expiryIsVisibleFromEveryNode() throws Exception {
        try (Jedis a = jedis(0); Jedis b = jedis(1); Jedis c = jedis(2)) {
            a.set("ttl", "v");
            assertThat(c.ttl("ttl")).isEqualTo(-1);
            assertThat(b.expire("ttl", 100)).isEqualTo(1);
            assertThat(c.ttl("ttl")).isBetween(90L, 100L);
            assertThat(a.pttl("ttl")).isBetween(90_000L, 100_000L);
            assertThat(c.persist("ttl")).isEqualTo(1);
            assertThat(a.ttl("ttl")).isEqualTo(-1);
            assertThat(b.expire("missing", 100)).isZero();
            assertThat(a.ttl("missing")).isEqualTo(-2);
            // A short TTL set through one node expires the key for every node.
            assertThat(a.pexpire("ttl", 1500)).isEqualTo(1);
            assertThat(b.pttl("ttl")).isBetween(1L, 1500L);
            for (Jedis j : List.of(a, b, c)) {
                Await.until(Duration.ofSeconds(10), "the key expired for every node", () -> j.get("ttl") == null);
                assertThat(j.exists("ttl")).isFalse();
                assertThat(j.ttl("ttl")).isEqualTo(-2);
            }
            b.setex("ex", 50, "v");
            assertThat(a.ttl("ex")).isBetween(40L, 50L);
            assertThat(c.expireTime("ex")).isBetween(System.currentTimeMillis() / 1000 + 35, System.currentTimeMillis() / 1000 + 51);
        }
    }

    // ------------------------------------------------------------------ whole-keyspace commands

    @Test
    void scanThroughEachNodeReturnsEveryKeyExactlyOnce() throws Exception {
        List<String> ks = keys("scan:", 500);
        String[] kv = new String[ks.size() * 2 + 2];
        for (int i = 0; i < ks.size(); i++) {
            kv[2 * i] = ks.get(i);
            kv[2 * i + 1] = "v";
        }
        kv[kv.length - 2] = "other";
        kv[kv.length - 1] = "v";
        try (Jedis j = jedis(0)) {
            j.mset(kv);
        }
        Set<String> everything = new TreeSet<>(ks);
        everything.add("other");
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                for (int count : new int[] {1, 10, 1000}) {
                    List<String> seen = jedisScan(j, new ScanParams().count(count));
                    assertThat(seen).as("SCAN COUNT %d through n%d", count, n + 1).doesNotHaveDuplicates()
                            .containsExactlyInAnyOrderElementsOf(everything);
                }
                List<String> matched = jedisScan(j, new ScanParams().match("scan:1*").count(50));
                assertThat(matched).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(
                        ks.stream().filter(k -> k.startsWith("scan:1")).toList());
            }
            RedisClient client = lettuce(n, ProtocolVersion.RESP3);
            try (StatefulRedisConnection<String, String> conn = client.connect()) {
                List<String> seen = new ArrayList<>();
                ScanIterator<String> it = ScanIterator.scan(conn.sync(), ScanArgs.Builder.limit(25));
                while (it.hasNext()) {
                    seen.add(it.next());
                }
                assertThat(seen).as("Lettuce ScanIterator through n%d", n + 1).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(everything);
            } finally {
                shutdown(client);
            }
            if (RedisCli.available()) {
                RedisCli.Result all = RedisCli.run(cluster.port(n), null, "--scan");
                assertThat(all.exitCode()).as(all.stderr()).isZero();
                assertThat(all.lines()).as("redis-cli --scan through n%d", n + 1).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(everything);
                RedisCli.Result some = RedisCli.run(cluster.port(n), null, "--scan", "--pattern", "scan:4?");
                assertThat(some.exitCode()).as(some.stderr()).isZero();
                assertThat(some.lines()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(keys("scan:4", 10));
            }
        }
    }

    private static List<String> jedisScan(Jedis j, ScanParams params) {
        List<String> seen = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        for (int calls = 0; calls < 10_000; calls++) {
            ScanResult<String> r = j.scan(cursor, params);
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            if (r.isCompleteIteration()) {
                return seen;
            }
        }
        throw new AssertionError("SCAN did not finish in 10000 calls");
    }

    @Test
    void keysAndDbsizeAgreeOnEveryNode() {
        List<String> ks = keys("k:", 300);
        try (Jedis j = jedis(1)) {
            for (String k : ks) {
                j.set(k, "v");
            }
            j.set("user:1", "a");
            j.set("user:2", "b");
        }
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                assertThat(j.dbSize()).as("DBSIZE through n%d", n + 1).isEqualTo(302);
                assertThat(j.keys("*")).hasSize(302).containsAll(ks).contains("user:1", "user:2");
                assertThat(j.keys("user:*")).containsExactlyInAnyOrder("user:1", "user:2");
                assertThat(j.keys("nomatch*")).isEmpty();
            }
        }
        try (Jedis j = jedis(2)) {
            assertThat(j.del(ks.subList(0, 100).toArray(new String[0]))).isEqualTo(100);
        }
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                assertThat(j.dbSize()).isEqualTo(202);
                assertThat(j.keys("k:*")).hasSize(200);
            }
        }
    }

    @Test
    void randomKeyReturnsAnExistingKeyThroughEveryNode() {
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                assertThat(j.randomKey()).as("empty keyspace through n%d", n + 1).isNull();
            }
        }
        try (Jedis j = jedis(0)) {
            j.set("only", "v");
        }
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                assertThat(j.randomKey()).isEqualTo("only");
            }
        }
        List<String> ks = keys("rk:", 60);
        try (Jedis j = jedis(1)) {
            for (String k : ks) {
                j.set(k, "v");
            }
        }
        Set<String> all = new HashSet<>(ks);
        all.add("only");
        Map<String, Integer> seen = new HashMap<>();
        for (int n = 0; n < NODES; n++) {
            try (Jedis j = jedis(n)) {
                for (int i = 0; i < 20; i++) {
                    String k = j.randomKey();
                    assertThat(all).contains(k);
                    seen.merge(k, 1, Integer::sum);
                }
            }
        }
        assertThat(seen.size()).as("RANDOMKEY is not stuck on one key").isGreaterThan(1);
    }

    @Test
    void renameWorksWithinAHashTagAndIsCrossslotAcrossPartitions() {
        try (Jedis a = jedis(0); Jedis b = jedis(1); Jedis c = jedis(2)) {
            a.set("{user:7}name", "ada");
            assertThat(b.rename("{user:7}name", "{user:7}fullname")).isEqualTo("OK");
            assertThat(c.get("{user:7}fullname")).isEqualTo("ada");
            assertThat(c.exists("{user:7}name")).isFalse();
            assertThat(c.renamenx("{user:7}fullname", "{user:7}alias")).isEqualTo(1);
            assertThat(a.get("{user:7}alias")).isEqualTo("ada");
            // Two keys in different partitions, chosen by asking the ring, not assumed.
            String x = "plain:x";
            long px = JedisExtras.prefList(a, x).partition();
            String y = null;
            for (int i = 0; y == null; i++) {
                if (JedisExtras.prefList(a, "plain:y" + i).partition() != px) {
                    y = "plain:y" + i;
                }
            }
            String other = y;
            a.set(x, "1");
            for (Jedis j : List.of(a, b, c)) {
                assertThatThrownBy(() -> j.rename(x, other)).isInstanceOf(JedisDataException.class).hasMessage(CROSSSLOT);
                assertThatThrownBy(() -> j.renamenx(x, other)).isInstanceOf(JedisDataException.class).hasMessage(CROSSSLOT);
                assertThatThrownBy(() -> j.msetnx(x, "2", other, "3")).isInstanceOf(JedisDataException.class).hasMessage(CROSSSLOT);
            }
            assertThat(b.mget(x, other)).containsExactly("1", null);
        }
    }

    // ------------------------------------------------------------------ RingKV's own commands

    @Test
    void causalGetAndSetRoundTripThroughDifferentNodes() {
        try (Jedis a = jedis(0); Jedis b = jedis(1); Jedis c = jedis(2)) {
            for (Jedis j : List.of(a, b, c)) {
                assertThat(causalGet(j, "doc")).isNull();
            }
            String ctx1 = causalSet(a, "doc", "v1", null);
            assertThat(ctx1).isNotEmpty();
            JedisExtras.Causal got = causalGet(b, "doc");
            assertThat(got.values()).containsExactly("v1");
            String ctx2 = causalSet(c, "doc", "v2", got.context());
            assertThat(ctx2).isNotEqualTo(ctx1);
            for (Jedis j : List.of(a, b, c)) {
                assertThat(causalGet(j, "doc").values()).containsExactly("v2");
                assertThat(j.get("doc")).isEqualTo("v2");
            }
            // A write with no context supersedes nothing: the two values are siblings.
            causalSet(a, "doc", "v3", null);
            JedisExtras.Causal both = causalGet(b, "doc");
            assertThat(both.values()).containsExactlyInAnyOrder("v2", "v3");
            // A plain GET sees one value: the newest.
            assertThat(c.get("doc")).isEqualTo("v3");
            // Resolving with the context that covers both leaves one value.
            causalSet(c, "doc", "merged", both.context());
            assertThat(causalGet(a, "doc").values()).containsExactly("merged");
            // CAUSAL.DEL leaves a tombstone: an empty value list, and GET sees nothing.
            JedisExtras.Causal before = causalGet(a, "doc");
            assertThat(text(call(b, "CAUSAL.DEL", "doc", "CONTEXT", before.context()))).isNotEmpty();
            JedisExtras.Causal deleted = causalGet(c, "doc");
            assertThat(deleted).isNotNull();
            assertThat(deleted.values()).isEmpty();
            assertThat(a.get("doc")).isNull();
            // A context is bound to its key.
            assertThatThrownBy(() -> call(a, "CAUSAL.SET", "other", "v", "CONTEXT", before.context()))
                    .isInstanceOf(JedisDataException.class).hasMessageStartingWith("ERR invalid causal context");
            // Expiry options.
            causalSet(a, "ttl", "v", null);
            assertThat(text(call(b, "CAUSAL.SET", "ttl", "w", "CONTEXT", causalGet(b, "ttl").context(), "EX", "100"))).isNotEmpty();
            assertThat(c.ttl("ttl")).isBetween(90L, 100L);
        }
    }

    @Test
    void consistencyAndClAnswerTheSameThroughEveryNode() throws Exception {
        for (int n = 0; n < NODES; n++) {
            try (RawRespClient raw = cluster.client(n)) {
                assertThat(raw.callString("CONSISTENCY"))
                        .isEqualTo("*4\r\n$4\r\nread\r\n$6\r\nQUORUM\r\n$5\r\nwrite\r\n$6\r\nQUORUM\r\n");
                assertThat(raw.callString("CONSISTENCY", "ONE")).isEqualTo("+OK\r\n");
                assertThat(raw.callString("CONSISTENCY")).isEqualTo("*4\r\n$4\r\nread\r\n$3\r\nONE\r\n$5\r\nwrite\r\n$3\r\nONE\r\n");
                assertThat(raw.callString("CONSISTENCY", "READ", "ONE", "WRITE", "ALL")).isEqualTo("+OK\r\n");
                assertThat(raw.callString("CONSISTENCY")).isEqualTo("*4\r\n$4\r\nread\r\n$3\r\nONE\r\n$5\r\nwrite\r\n$3\r\nALL\r\n");
                // The connection's levels travel with forwarded commands: an ALL write works while all are up.
                assertThat(raw.callString("SET", "cons:" + n, "v")).isEqualTo("+OK\r\n");
                assertThat(raw.callString("CONSISTENCY", "DEFAULT")).isEqualTo("+OK\r\n");
                assertThat(raw.callString("CONSISTENCY")).isEqualTo("*4\r\n$4\r\nread\r\n$6\r\nQUORUM\r\n$5\r\nwrite\r\n$6\r\nQUORUM\r\n");
                assertThat(raw.callString("CONSISTENCY", "BOGUS"))
                        .isEqualTo("-ERR unknown consistency level 'BOGUS' (ANY, ONE, TWO, THREE, QUORUM, ALL)\r\n");
                assertThat(raw.callString("CONSISTENCY", "READ", "ANY"))
                        .isEqualTo("-ERR ANY is a write consistency level; reads need ONE or more\r\n");
                assertThat(raw.callString("CONSISTENCY", "READ", "ONE", "WRITE")).startsWith("-ERR syntax error");
                for (String level : new String[] {"ONE", "TWO", "THREE", "QUORUM", "ALL", "ANY"}) {
                    String k = "cl:" + n + ":" + level;
                    assertThat(raw.callString("CL", level, "SET", k, level)).as("CL %s SET", level).isEqualTo("+OK\r\n");
                    assertThat(raw.callString("CL", level, "GET", k)).as("CL %s GET", level)
                            .isEqualTo("$" + level.length() + "\r\n" + level + "\r\n");
                }
                assertThat(raw.callString("CL", "ALL", "MGET", "cl:" + n + ":ONE", "cl:" + n + ":ALL", "cl:missing"))
                        .isEqualTo("*3\r\n$3\r\nONE\r\n$3\r\nALL\r\n$-1\r\n");
                assertThat(raw.callString("CL", "lowest", "GET", "k"))
                        .isEqualTo("-ERR unknown consistency level 'lowest' (ANY, ONE, TWO, THREE, QUORUM, ALL)\r\n");
                assertThat(raw.callString("CL", "ONE", "CL", "ALL", "GET", "k")).isEqualTo("-ERR CL cannot wrap CL\r\n");
                assertThat(raw.callString("CL", "ONE")).startsWith("-ERR wrong number of arguments");
                // CL applies to one command only.
                assertThat(raw.callString("CONSISTENCY")).isEqualTo("*4\r\n$4\r\nread\r\n$6\r\nQUORUM\r\n$5\r\nwrite\r\n$6\r\nQUORUM\r\n");
                // RESP3: the same levels as a map.
                raw.call("HELLO", "3");
                assertThat(raw.callString("CONSISTENCY")).isEqualTo("%2\r\n$4\r\nread\r\n$6\r\nQUORUM\r\n$5\r\nwrite\r\n$6\r\nQUORUM\r\n");
            }
        }
        try (Jedis j = jedis(1)) {
            assertThat(texts(call(j, "CONSISTENCY"))).containsExactly("read", "QUORUM", "write", "QUORUM");
            assertThat(text(call(j, "CL", "ALL", "GET", "cons:0"))).isEqualTo("v");
        }
    }

    @Test
    void flushAllThroughAnyNodeEmptiesEveryNode() {
        for (int f = 0; f < NODES; f++) {
            try (Jedis j = jedis((f + 1) % NODES)) {
                for (String k : keys("fl:", 50)) {
                    j.set(k, "v");
                }
            }
            try (Jedis j = jedis(f)) {
                assertThat(j.flushAll()).isEqualTo("OK");
            }
            for (int n = 0; n < NODES; n++) {
                try (Jedis j = jedis(n)) {
                    assertThat(j.dbSize()).isZero();
                    assertThat(j.get("fl:0")).isNull();
                }
            }
        }
    }
}
