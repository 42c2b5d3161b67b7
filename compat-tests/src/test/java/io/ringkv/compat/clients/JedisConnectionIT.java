package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringkv.compat.harness.InProcessNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Jedis over the connection features: pipelining, AUTH with requirepass, RESP3, binary data. */
@Timeout(60)
class JedisConnectionIT {

    @Test
    void tenThousandCommandPipelineRepliesInOrder() throws Exception {
        try (InProcessNode node = InProcessNode.start(); Jedis jedis = new Jedis("127.0.0.1", node.port())) {
            Pipeline p = jedis.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            List<Response<Long>> incrs = new ArrayList<>();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                sets.add(p.set("p:" + i, "v" + i));
                incrs.add(p.incr("counter"));
            }
            for (int i = 0; i < 5000; i++) {
                gets.add(p.get("p:" + i));
            }
            p.sync();
            for (int i = 0; i < 5000; i++) {
                assertThat(sets.get(i).get()).isEqualTo("OK");
                assertThat(incrs.get(i).get()).isEqualTo(i + 1L);
                assertThat(gets.get(i).get()).isEqualTo("v" + i);
            }
            assertThat(jedis.dbSize()).isEqualTo(5001L);

            // An error in the middle of a pipeline is one reply among the others.
            Pipeline p2 = jedis.pipelined();
            Response<String> before = p2.get("p:1");
            Response<Long> bad = p2.incr("p:1");
            Response<String> after = p2.get("p:2");
            p2.sync();
            assertThat(before.get()).isEqualTo("v1");
            assertThatThrownBy(bad::get).hasMessage("ERR value is not an integer or out of range");
            assertThat(after.get()).isEqualTo("v2");
        }
    }

    @Test
    void authWithRequirepass() throws Exception {
        try (InProcessNode node = InProcessNode.start(Map.of("requirepass", "s3cret"))) {
            try (Jedis anon = new Jedis("127.0.0.1", node.port())) {
                assertThatThrownBy(anon::ping).isInstanceOf(JedisDataException.class)
                        .hasMessage("NOAUTH Authentication required.");
                assertThatThrownBy(() -> anon.auth("wrong")).isInstanceOf(JedisDataException.class)
                        .hasMessage("WRONGPASS invalid username-password pair or user is disabled.");
                assertThatThrownBy(() -> anon.auth("default", "wrong"))
                        .hasMessage("WRONGPASS invalid username-password pair or user is disabled.");
                assertThat(anon.auth("s3cret")).isEqualTo("OK");
                assertThat(anon.set("k", "v")).isEqualTo("OK");
                assertThat(anon.auth("default", "s3cret")).isEqualTo("OK");
            }
            DefaultJedisClientConfig good = DefaultJedisClientConfig.builder().password("s3cret").build();
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", node.port()), good)) {
                assertThat(jedis.get("k")).isEqualTo("v");
            }
            DefaultJedisClientConfig bad = DefaultJedisClientConfig.builder().password("nope").build();
            assertThatThrownBy(() -> {
                try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", node.port()), bad)) {
                    jedis.ping();
                }
            }).isInstanceOf(JedisAccessControlException.class).hasMessageContaining("WRONGPASS");
            // RESP3 handshake: Jedis authenticates inside HELLO.
            DefaultJedisClientConfig resp3 = DefaultJedisClientConfig.builder().password("s3cret")
                    .protocol(RedisProtocol.RESP3).build();
            try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", node.port()), resp3)) {
                assertThat(jedis.get("k")).isEqualTo("v");
                assertThat(jedis.clientInfo()).contains("resp=3");
            }
        }
    }

    @Test
    void resp3Commands() throws Exception {
        DefaultJedisClientConfig resp3 = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3)
                .clientName("r3").build();
        try (InProcessNode node = InProcessNode.start();
                Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", node.port()), resp3)) {
            assertThat(jedis.clientGetname()).isEqualTo("r3");
            assertThat(jedis.set("a", "1")).isEqualTo("OK");
            assertThat(jedis.incrByFloat("f", 1.5)).isEqualTo(1.5);
            assertThat(jedis.mget("a", "zz")).containsExactly("1", null);
            assertThat(jedis.ttl("a")).isEqualTo(-1L);
            assertThat(jedis.configGet("maxclients")).containsEntry("maxclients", "10000");
            assertThat(jedis.exists("a")).isTrue();
            assertThat(jedis.scan("0").getCursor()).isEqualTo("0");
            assertThat(jedis.time()).hasSize(2);
        }
    }

    @Test
    void binarySafeKeysAndValues() throws Exception {
        Random random = new Random(42);
        try (InProcessNode node = InProcessNode.start(); Jedis jedis = new Jedis("127.0.0.1", node.port())) {
            byte[] key = {0, '\r', '\n', (byte) 0xff, ' ', '"', '*', '$', 0};
            byte[] value = new byte[256];
            for (int i = 0; i < 256; i++) {
                value[i] = (byte) i;
            }
            assertThat(jedis.set(key, value)).isEqualTo("OK");
            assertThat(jedis.get(key)).isEqualTo(value);
            assertThat(jedis.strlen(key)).isEqualTo(256L);
            assertThat(jedis.getrange(key, 10, 13)).isEqualTo(new byte[] {10, 11, 12, 13});
            assertThat(jedis.append(key, new byte[] {0, 0})).isEqualTo(258L);
            assertThat(jedis.exists(key)).isTrue();
            assertThat(jedis.type(key)).isEqualTo("string");

            // Below 64 KiB: see largeValuesRoundTrip for larger replies.
            byte[] big = new byte[60_000];
            random.nextBytes(big);
            byte[] bigKey = new byte[1000];
            random.nextBytes(bigKey);
            jedis.set(bigKey, big);
            assertThat(jedis.get(bigKey)).isEqualTo(big);

            ScanResult<byte[]> scan = jedis.scan("0".getBytes(), new ScanParams().count(1000));
            assertThat(scan.getResult()).anySatisfy(k -> assertThat(k).isEqualTo(key));
            assertThat(jedis.keys("*".getBytes())).anySatisfy(k -> assertThat(k).isEqualTo(bigKey));
            assertThat(jedis.del(key, bigKey)).isEqualTo(2L);

            byte[] empty = new byte[0];
            jedis.set(empty, empty);
            assertThat(jedis.get(empty)).isEmpty();
            assertThat(jedis.exists(empty)).isTrue();
        }
    }

    @Test
    void largeValuesRoundTrip() throws Exception {
        Random random = new Random(7);
        try (InProcessNode node = InProcessNode.start(); Jedis jedis = new Jedis("127.0.0.1", node.port())) {
            for (int size : new int[] {65_535, 65_536, 1 << 20, 8 * 1024 * 1024 + 3}) {
                byte[] value = new byte[size];
                random.nextBytes(value);
                jedis.set(("big:" + size).getBytes(), value);
                assertThat(jedis.get(("big:" + size).getBytes())).isEqualTo(value);
            }
        }
    }
}
