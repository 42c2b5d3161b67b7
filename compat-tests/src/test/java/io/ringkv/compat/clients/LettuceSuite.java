package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.GetExArgs;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.command.CommandDetail;
import io.lettuce.core.models.command.CommandDetailParser;
import io.lettuce.core.protocol.ProtocolVersion;
import io.ringkv.compat.harness.InProcessNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The string/keyspace and connection commands through Lettuce, sync and async, with Lettuce's
 * own handshake (HELLO, CLIENT SETINFO). Subclasses fix the protocol version.
 */
@Timeout(60)
abstract class LettuceSuite {
    private static InProcessNode node;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;

    abstract ProtocolVersion protocol();

    @BeforeAll
    static void startNode() throws InterruptedException {
        node = InProcessNode.start();
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @BeforeEach
    void connect() {
        RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(node.port())
                .withClientName("compat-lettuce").withTimeout(Duration.ofSeconds(10)).build();
        client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder().protocolVersion(protocol()).build());
        connection = client.connect();
        redis = connection.sync();
        redis.flushall();
    }

    @AfterEach
    void disconnect() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Test
    void handshakeNegotiatedTheProtocolAndLibraryInfo() {
        assertThat(connection.getOptions().getConfiguredProtocolVersion()).isEqualTo(protocol());
        String info = redis.clientInfo();
        assertThat(info).contains("resp=" + (protocol() == ProtocolVersion.RESP3 ? 3 : 2))
                .contains("name=compat-lettuce")
                .contains("lib-name=Lettuce");
        assertThat(redis.clientGetname()).isEqualTo("compat-lettuce");
        assertThat(redis.clientList()).contains("id=" + redis.clientId() + " ");
    }

    @Test
    void stringsSync() {
        assertThat(redis.set("k", "v")).isEqualTo("OK");
        assertThat(redis.get("k")).isEqualTo("v");
        assertThat(redis.get("missing")).isNull();
        assertThat(redis.set("k", "x", SetArgs.Builder.nx())).isNull();
        assertThat(redis.set("k", "x", SetArgs.Builder.xx().ex(100))).isEqualTo("OK");
        assertThat(redis.ttl("k")).isBetween(99L, 100L);
        assertThat(redis.set("k", "y", SetArgs.Builder.keepttl())).isEqualTo("OK");
        assertThat(redis.ttl("k")).isBetween(98L, 100L);
        assertThat(redis.set("k", "z", SetArgs.Builder.px(50_000))).isEqualTo("OK");
        assertThat(redis.pttl("k")).isBetween(49_000L, 50_000L);
        long now = Long.parseLong(redis.time().get(0));
        assertThat(redis.set("k", "z", SetArgs.Builder.exAt(now + 100))).isEqualTo("OK");
        assertThat(redis.expiretime("k")).isEqualTo(now + 100);
        assertThat(redis.set("k", "z", SetArgs.Builder.pxAt(now * 1000 + 100_500))).isEqualTo("OK");
        assertThat(redis.pexpiretime("k")).isEqualTo(now * 1000 + 100_500);
        assertThat(redis.setGet("k", "w")).isEqualTo("z");

        assertThat(redis.setnx("n", "1")).isTrue();
        assertThat(redis.setnx("n", "1")).isFalse();
        assertThat(redis.setex("e", 30, "v")).isEqualTo("OK");
        assertThat(redis.psetex("pe", 30_000, "v")).isEqualTo("OK");
        assertThat(redis.getset("n", "2")).isEqualTo("1");
        assertThat(redis.getdel("n")).isEqualTo("2");
        assertThat(redis.getex("e", GetExArgs.Builder.persist())).isEqualTo("v");
        assertThat(redis.ttl("e")).isEqualTo(-1L);
        assertThat(redis.getex("e", GetExArgs.Builder.ex(Duration.ofSeconds(70)))).isEqualTo("v");
        assertThat(redis.ttl("e")).isBetween(69L, 70L);

        Map<String, String> map = new LinkedHashMap<>();
        map.put("{u}a", "1");
        map.put("{u}b", "2");
        assertThat(redis.mset(map)).isEqualTo("OK");
        assertThat(redis.mget("{u}a", "{u}none", "{u}b")).containsExactly(
                KeyValue.just("{u}a", "1"), KeyValue.empty("{u}none"), KeyValue.just("{u}b", "2"));
        assertThat(redis.msetnx(Map.of("{u}a", "9", "{u}c", "9"))).isFalse();
        assertThat(redis.msetnx(Map.of("{u}c", "3", "{u}d", "4"))).isTrue();
        assertThatThrownBy(() -> redis.msetnx(Map.of("{a}1", "1", "{b}2", "2")))
                .isInstanceOf(RedisCommandExecutionException.class)
                .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
        assertThat(redis.rename("{u}c", "{u}cc")).isEqualTo("OK");
        assertThat(redis.get("{u}cc")).isEqualTo("3");

        assertThat(redis.incr("c")).isEqualTo(1L);
        assertThat(redis.incrby("c", 9)).isEqualTo(10L);
        assertThat(redis.decr("c")).isEqualTo(9L);
        assertThat(redis.decrby("c", 10)).isEqualTo(-1L);
        assertThat(redis.incrbyfloat("f", 2.25)).isCloseTo(2.25, within(1e-12));
        assertThat(redis.append("s", "abc")).isEqualTo(3L);
        assertThat(redis.append("s", "def")).isEqualTo(6L);
        assertThat(redis.strlen("s")).isEqualTo(6L);
        assertThat(redis.getrange("s", 1, -2)).isEqualTo("bcde");
        assertThat(redis.setrange("s", 2, "ZZ")).isEqualTo(6L);
        assertThat(redis.get("s")).isEqualTo("abZZef");
        assertThatThrownBy(() -> redis.incr("s"))
                .isInstanceOf(RedisCommandExecutionException.class)
                .hasMessage("ERR value is not an integer or out of range");
    }

    @Test
    void keyspaceSync() {
        redis.set("a", "1");
        redis.set("b", "2");
        assertThat(redis.exists("a", "b", "zz")).isEqualTo(2L);
        assertThat(redis.type("a")).isEqualTo("string");
        assertThat(redis.type("zz")).isEqualTo("none");
        assertThat(redis.expire("a", 100, ExpireArgs.Builder.xx())).isFalse();
        assertThat(redis.expire("a", 100, ExpireArgs.Builder.nx())).isTrue();
        assertThat(redis.expire("a", 200, ExpireArgs.Builder.gt())).isTrue();
        assertThat(redis.expire("a", 300, ExpireArgs.Builder.lt())).isFalse();
        assertThat(redis.pexpire("a", 150_000, ExpireArgs.Builder.lt())).isTrue();
        assertThat(redis.pttl("a")).isBetween(149_000L, 150_000L);
        long now = Long.parseLong(redis.time().get(0));
        assertThat(redis.expireat("a", now + 400)).isTrue();
        assertThat(redis.expiretime("a")).isEqualTo(now + 400);
        assertThat(redis.pexpireat("a", now * 1000 + 500_000)).isTrue();
        assertThat(redis.pexpiretime("a")).isEqualTo(now * 1000 + 500_000);
        assertThat(redis.persist("a")).isTrue();
        assertThat(redis.ttl("a")).isEqualTo(-1L);
        assertThat(redis.ttl("zz")).isEqualTo(-2L);
        assertThat(redis.keys("*")).containsExactlyInAnyOrder("a", "b");
        assertThat(redis.randomkey()).isIn("a", "b");
        assertThat(redis.dbsize()).isEqualTo(2L);
        assertThat(redis.unlink("a")).isEqualTo(1L);
        assertThat(redis.del("b", "zz")).isEqualTo(1L);
        assertThat(redis.dbsize()).isZero();
        redis.set("x", "1");
        assertThat(redis.flushdb()).isEqualTo("OK");
        assertThat(redis.dbsize()).isZero();
    }

    @Test
    void scanIteratorSeesEveryKeyOnce() {
        Map<String, String> batch = new LinkedHashMap<>();
        for (int i = 0; i < 700; i++) {
            batch.put("scan:" + i, "v");
        }
        redis.mset(batch);
        redis.set("unrelated", "v");
        List<String> seen = new ArrayList<>();
        ScanIterator<String> it = ScanIterator.scan(redis, ScanArgs.Builder.matches("scan:*").limit(50));
        while (it.hasNext()) {
            seen.add(it.next());
            assertThat(seen.size()).isLessThanOrEqualTo(700);
        }
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(batch.keySet());
    }

    @Test
    void connectionAndServerCommands() {
        assertThat(redis.ping()).isEqualTo("PONG");
        assertThat(redis.echo("hello")).isEqualTo("hello");
        assertThat(redis.select(0)).isEqualTo("OK");
        assertThat(redis.configGet("timeout")).containsEntry("timeout", "0");
        assertThat(redis.info("server")).contains("redis_version:").contains("redis_mode:");
        assertThat(redis.info()).contains("# Keyspace");
        assertThat(redis.commandCount()).isGreaterThan(50L);
        List<CommandDetail> details = CommandDetailParser.parse(redis.commandInfo("get", "set", "mset"));
        assertThat(details).hasSize(3);
        assertThat(details.get(0).getName()).isEqualTo("get");
        assertThat(details.get(0).getArity()).isEqualTo(2);
        assertThat(details.get(0).getFirstKeyPosition()).isEqualTo(1);
        assertThat(details.get(2).getArity()).isEqualTo(-3);
        assertThat(details.get(2).getKeyStepCount()).isEqualTo(2);
        assertThat(redis.time()).hasSize(2);
    }

    @Test
    void asyncPipelineWithManualFlush() throws Exception {
        RedisAsyncCommands<String, String> async = connection.async();
        connection.setAutoFlushCommands(false);
        try {
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                futures.add(async.set("ap:" + i, Integer.toString(i)));
                futures.add(async.incr("ap:counter"));
            }
            List<RedisFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                gets.add(async.get("ap:" + i));
            }
            RedisFuture<Long> bad = async.incr("ap:7"); // fine: "7" is an integer
            RedisFuture<String> wrongType = async.set("ap:s", "x");
            RedisFuture<Long> error = async.incr("ap:s");
            connection.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), futures.toArray(RedisFuture[]::new))).isTrue();
            for (int i = 0; i < 5000; i++) {
                assertThat(gets.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(Integer.toString(i));
            }
            assertThat(futures.get(2 * 4999 + 1).get()).isEqualTo(5000L);
            assertThat(bad.get(10, TimeUnit.SECONDS)).isEqualTo(8L);
            assertThat(wrongType.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThatThrownBy(() -> error.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("ERR value is not an integer or out of range");
        } finally {
            connection.setAutoFlushCommands(true);
        }
        assertThat(redis.dbsize()).isEqualTo(5002L);
    }

    @Test
    void asyncCommandsComplete() throws Exception {
        RedisAsyncCommands<String, String> async = connection.async();
        assertThat(async.set("k", "v").get(10, TimeUnit.SECONDS)).isEqualTo("OK");
        assertThat(async.get("k").get(10, TimeUnit.SECONDS)).isEqualTo("v");
        assertThat(async.exists("k").get(10, TimeUnit.SECONDS)).isEqualTo(1L);
        assertThat(async.ttl("k").get(10, TimeUnit.SECONDS)).isEqualTo(-1L);
        assertThat(async.del("k").get(10, TimeUnit.SECONDS)).isEqualTo(1L);
    }

    @Test
    void binaryValuesWithByteArrayCodec() {
        try (StatefulRedisConnection<byte[], byte[]> bin = client.connect(ByteArrayCodec.INSTANCE)) {
            byte[] key = {(byte) 0xfe, 0, '\r', '\n', 'k'};
            byte[] value = new byte[4096];
            for (int i = 0; i < value.length; i++) {
                value[i] = (byte) (i * 31);
            }
            assertThat(bin.sync().set(key, value)).isEqualTo("OK");
            assertThat(bin.sync().get(key)).isEqualTo(value);
            assertThat(bin.sync().strlen(key)).isEqualTo(4096L);
            Set<String> keys = new HashSet<>();
            bin.sync().keys("*").forEach(k -> keys.add(java.util.Arrays.toString(k)));
            assertThat(keys).contains(java.util.Arrays.toString(key));
        }
    }
}
