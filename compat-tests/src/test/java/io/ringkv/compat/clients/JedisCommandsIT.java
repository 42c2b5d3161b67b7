package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ringkv.compat.harness.InProcessNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Every string and keyspace command of PRODUCT.md §1 through Jedis (its own handshake, its own
 * reply parsing), against an in-process node on a real socket. Expected values are Redis's.
 */
@Timeout(60)
class JedisCommandsIT {
    private static InProcessNode node;
    private Jedis jedis;

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
        // The config constructor runs Jedis's full handshake (CLIENT SETINFO lib-name/lib-ver).
        jedis = new Jedis(new HostAndPort("127.0.0.1", node.port()), DefaultJedisClientConfig.builder().build());
        jedis.flushAll();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    @Test
    void getAndSetWithEveryOption() {
        assertThat(jedis.get("missing")).isNull();
        assertThat(jedis.set("k", "v")).isEqualTo("OK");
        assertThat(jedis.get("k")).isEqualTo("v");

        assertThat(jedis.set("k", "v2", SetParams.setParams().nx())).isNull();
        assertThat(jedis.set("k", "v2", SetParams.setParams().xx())).isEqualTo("OK");
        assertThat(jedis.set("absent", "x", SetParams.setParams().xx())).isNull();
        assertThat(jedis.exists("absent")).isFalse();

        assertThat(jedis.set("ex", "v", SetParams.setParams().ex(100))).isEqualTo("OK");
        assertThat(jedis.ttl("ex")).isBetween(99L, 100L);
        assertThat(jedis.set("px", "v", SetParams.setParams().px(100_000))).isEqualTo("OK");
        assertThat(jedis.pttl("px")).isBetween(99_000L, 100_000L);

        long nowSeconds = Long.parseLong(jedis.time().get(0));
        assertThat(jedis.set("exat", "v", SetParams.setParams().exAt(nowSeconds + 200))).isEqualTo("OK");
        assertThat(jedis.expireTime("exat")).isEqualTo(nowSeconds + 200);
        assertThat(jedis.set("pxat", "v", SetParams.setParams().pxAt(nowSeconds * 1000 + 300_000))).isEqualTo("OK");
        assertThat(jedis.pexpireTime("pxat")).isEqualTo(nowSeconds * 1000 + 300_000);

        assertThat(jedis.set("ex", "v2", SetParams.setParams().keepTtl())).isEqualTo("OK");
        assertThat(jedis.ttl("ex")).isBetween(98L, 100L);
        assertThat(jedis.set("ex", "v3")).isEqualTo("OK");
        assertThat(jedis.ttl("ex")).isEqualTo(-1L);

        assertThat(jedis.setGet("k", "v3")).isEqualTo("v2");
        assertThat(jedis.setGet("newkey", "n")).isNull();
        assertThat(jedis.get("newkey")).isEqualTo("n");

        assertThatThrownBy(() -> jedis.set("k", "v", SetParams.setParams().ex(0)))
                .isInstanceOf(JedisDataException.class)
                .hasMessage("ERR invalid expire time in 'set' command");
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.SET, "k", "v", "NX", "XX"))
                .isInstanceOf(JedisDataException.class)
                .hasMessage("ERR syntax error");
    }

    @Test
    void setAndExpireExpires() throws InterruptedException {
        jedis.set("short", "v", SetParams.setParams().px(100));
        jedis.psetex("short2", 100, "v");
        Thread.sleep(250);
        assertThat(jedis.get("short")).isNull();
        assertThat(jedis.exists("short2")).isFalse();
        assertThat(jedis.ttl("short")).isEqualTo(-2L);
    }

    @Test
    void setnxSetexPsetexGetsetGetdel() {
        assertThat(jedis.setnx("a", "1")).isEqualTo(1L);
        assertThat(jedis.setnx("a", "2")).isEqualTo(0L);
        assertThat(jedis.get("a")).isEqualTo("1");

        assertThat(jedis.setex("b", 50, "x")).isEqualTo("OK");
        assertThat(jedis.ttl("b")).isBetween(49L, 50L);
        assertThat(jedis.psetex("c", 50_000, "y")).isEqualTo("OK");
        assertThat(jedis.pttl("c")).isBetween(49_000L, 50_000L);
        assertThatThrownBy(() -> jedis.setex("b", -1, "x"))
                .hasMessage("ERR invalid expire time in 'setex' command");

        assertThat(jedis.getSet("a", "3")).isEqualTo("1");
        assertThat(jedis.getSet("nope", "3")).isNull();
        assertThat(jedis.getDel("a")).isEqualTo("3");
        assertThat(jedis.getDel("a")).isNull();
        assertThat(jedis.exists("a")).isFalse();
    }

    @Test
    void getex() {
        jedis.set("k", "v");
        assertThat(jedis.getEx("k", GetExParams.getExParams().ex(100))).isEqualTo("v");
        assertThat(jedis.ttl("k")).isBetween(99L, 100L);
        assertThat(jedis.getEx("k", GetExParams.getExParams().px(200_000))).isEqualTo("v");
        assertThat(jedis.pttl("k")).isBetween(199_000L, 200_000L);
        long now = Long.parseLong(jedis.time().get(0));
        assertThat(jedis.getEx("k", GetExParams.getExParams().exAt(now + 500))).isEqualTo("v");
        assertThat(jedis.expireTime("k")).isEqualTo(now + 500);
        assertThat(jedis.getEx("k", GetExParams.getExParams().pxAt(now * 1000 + 600_000))).isEqualTo("v");
        assertThat(jedis.pexpireTime("k")).isEqualTo(now * 1000 + 600_000);
        assertThat(jedis.getEx("k", GetExParams.getExParams().persist())).isEqualTo("v");
        assertThat(jedis.ttl("k")).isEqualTo(-1L);
        assertThat(jedis.getEx("missing", GetExParams.getExParams().ex(10))).isNull();
    }

    @Test
    void multiKeyCommandsWithHashTags() {
        assertThat(jedis.mset("{t}a", "1", "{t}b", "2", "{t}c", "3")).isEqualTo("OK");
        assertThat(jedis.mget("{t}a", "{t}b", "{t}missing", "{t}c")).containsExactly("1", "2", null, "3");
        assertThat(jedis.msetnx("{t}x", "1", "{t}y", "2")).isEqualTo(1L);
        assertThat(jedis.msetnx("{t}y", "9", "{t}z", "9")).isEqualTo(0L);
        assertThat(jedis.exists("{t}z")).isFalse();
        assertThat(jedis.get("{t}y")).isEqualTo("2");

        assertThat(jedis.rename("{t}a", "{t}renamed")).isEqualTo("OK");
        assertThat(jedis.get("{t}renamed")).isEqualTo("1");
        assertThat(jedis.exists("{t}a")).isFalse();
        assertThatThrownBy(() -> jedis.rename("{t}nothing", "{t}other")).hasMessage("ERR no such key");
    }

    @Test
    void multiKeyCommandsAcrossPartitions() {
        // MGET, MSET, DEL, EXISTS, UNLINK fan out; MSETNX and RENAME need one partition.
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            keys.add("spread:" + i);
        }
        List<String> kv = new ArrayList<>();
        keys.forEach(k -> {
            kv.add(k);
            kv.add("v-" + k);
        });
        assertThat(jedis.mset(kv.toArray(String[]::new))).isEqualTo("OK");
        List<String> values = jedis.mget(keys.toArray(String[]::new));
        for (int i = 0; i < keys.size(); i++) {
            assertThat(values.get(i)).isEqualTo("v-" + keys.get(i));
        }
        assertThat(jedis.exists(keys.toArray(String[]::new))).isEqualTo(50L);
        assertThat(jedis.exists("spread:1", "spread:1", "nothing")).isEqualTo(2L);
        assertThat(jedis.del(keys.subList(0, 25).toArray(String[]::new))).isEqualTo(25L);
        assertThat(jedis.unlink(keys.toArray(String[]::new))).isEqualTo(25L);
        assertThat(jedis.dbSize()).isZero();

        assertThatThrownBy(() -> jedis.msetnx("{a}x", "1", "{b}y", "2"))
                .isInstanceOf(JedisDataException.class)
                .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
        jedis.set("{a}x", "1");
        assertThatThrownBy(() -> jedis.rename("{a}x", "{b}y"))
                .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
        assertThat(jedis.get("{a}x")).isEqualTo("1");
    }

    @Test
    void delUnlinkExistsType() {
        jedis.set("a", "1");
        jedis.set("b", "2");
        assertThat(jedis.type("a")).isEqualTo("string");
        assertThat(jedis.type("missing")).isEqualTo("none");
        assertThat(jedis.del("a", "missing")).isEqualTo(1L);
        assertThat(jedis.unlink("b")).isEqualTo(1L);
        assertThat(jedis.exists("a", "b")).isZero();
    }

    @Test
    void expireFamilyWithConditions() {
        jedis.set("k", "v");
        assertThat(jedis.ttl("k")).isEqualTo(-1L);
        assertThat(jedis.pttl("k")).isEqualTo(-1L);
        assertThat(jedis.expireTime("k")).isEqualTo(-1L);
        assertThat(jedis.pexpireTime("missing")).isEqualTo(-2L);

        assertThat(jedis.expire("k", 100, ExpiryOption.XX)).isZero();
        assertThat(jedis.expire("k", 100, ExpiryOption.NX)).isEqualTo(1L);
        assertThat(jedis.expire("k", 200, ExpiryOption.NX)).isZero();
        assertThat(jedis.expire("k", 50, ExpiryOption.GT)).isZero();
        assertThat(jedis.expire("k", 150, ExpiryOption.GT)).isEqualTo(1L);
        assertThat(jedis.expire("k", 200, ExpiryOption.LT)).isZero();
        assertThat(jedis.expire("k", 120, ExpiryOption.LT)).isEqualTo(1L);
        assertThat(jedis.ttl("k")).isBetween(119L, 120L);
        assertThat(jedis.pexpire("k", 90_000, ExpiryOption.XX)).isEqualTo(1L);
        assertThat(jedis.pttl("k")).isBetween(89_000L, 90_000L);

        long now = Long.parseLong(jedis.time().get(0));
        assertThat(jedis.expireAt("k", now + 1000, ExpiryOption.GT)).isEqualTo(1L);
        assertThat(jedis.expireTime("k")).isEqualTo(now + 1000);
        assertThat(jedis.pexpireAt("k", (now + 2000) * 1000, ExpiryOption.LT)).isZero();
        assertThat(jedis.pexpireAt("k", (now + 900) * 1000)).isEqualTo(1L);
        assertThat(jedis.pexpireTime("k")).isEqualTo((now + 900) * 1000);

        assertThat(jedis.persist("k")).isEqualTo(1L);
        assertThat(jedis.persist("k")).isZero();
        assertThat(jedis.ttl("k")).isEqualTo(-1L);
        // GT on a key without TTL: no TTL counts as infinite, so GT never applies.
        assertThat(jedis.expire("k", 10, ExpiryOption.GT)).isZero();
        assertThat(jedis.expire("k", 10, ExpiryOption.LT)).isEqualTo(1L);
        assertThat(jedis.expire("missing", 10)).isZero();

        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.EXPIRE, "k", "10", "NX", "XX"))
                .hasMessage("ERR NX and XX, GT or LT options at the same time are not compatible");
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.EXPIRE, "k", "10", "GT", "LT"))
                .hasMessage("ERR GT and LT options at the same time are not compatible");

        // A past time deletes the key.
        assertThat(jedis.expireAt("k", now - 10)).isEqualTo(1L);
        assertThat(jedis.exists("k")).isFalse();
        jedis.set("k", "v");
        assertThat(jedis.expire("k", -1)).isEqualTo(1L);
        assertThat(jedis.exists("k")).isFalse();
    }

    @Test
    void counters() {
        assertThat(jedis.incr("n")).isEqualTo(1L);
        assertThat(jedis.incrBy("n", 41)).isEqualTo(42L);
        assertThat(jedis.decr("n")).isEqualTo(41L);
        assertThat(jedis.decrBy("n", 50)).isEqualTo(-9L);
        assertThat(jedis.get("n")).isEqualTo("-9");
        assertThat(jedis.incrByFloat("f", 10.5)).isCloseTo(10.5, within(1e-9));
        assertThat(jedis.incrByFloat("f", 0.1)).isCloseTo(10.6, within(1e-9));
        assertThat(jedis.get("f")).isEqualTo("10.6");
        jedis.set("f2", "5.0e3");
        assertThat(jedis.incrByFloat("f2", 200)).isCloseTo(5200, within(1e-9));
        assertThat(jedis.get("f2")).isEqualTo("5200");

        jedis.set("s", "abc");
        assertThatThrownBy(() -> jedis.incr("s")).hasMessage("ERR value is not an integer or out of range");
        assertThatThrownBy(() -> jedis.incrByFloat("s", 1)).hasMessage("ERR value is not a valid float");
        jedis.set("max", Long.toString(Long.MAX_VALUE));
        assertThatThrownBy(() -> jedis.incr("max")).hasMessage("ERR increment or decrement would overflow");
        jedis.set("ttl", "1", SetParams.setParams().ex(100));
        jedis.incr("ttl");
        assertThat(jedis.ttl("ttl")).isBetween(99L, 100L);
    }

    @Test
    void appendStrlenRanges() {
        assertThat(jedis.append("s", "Hello")).isEqualTo(5L);
        assertThat(jedis.append("s", " World")).isEqualTo(11L);
        assertThat(jedis.strlen("s")).isEqualTo(11L);
        assertThat(jedis.strlen("missing")).isZero();
        assertThat(jedis.getrange("s", 0, 4)).isEqualTo("Hello");
        assertThat(jedis.getrange("s", -5, -1)).isEqualTo("World");
        assertThat(jedis.getrange("s", 5, 2)).isEmpty();
        assertThat(jedis.getrange("s", 0, 1000)).isEqualTo("Hello World");
        assertThat(jedis.setrange("s", 6, "Redis")).isEqualTo(11L);
        assertThat(jedis.get("s")).isEqualTo("Hello Redis");
        assertThat(jedis.setrange("pad", 3, "x")).isEqualTo(4L);
        assertThat(jedis.get("pad".getBytes())).containsExactly(0, 0, 0, 'x');
        assertThatThrownBy(() -> jedis.setrange("pad", -1, "x")).hasMessage("ERR offset is out of range");
    }

    @Test
    void scanVisitsEveryKeyExactlyOnce() {
        Set<String> written = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            jedis.set("user:" + i, "v");
            written.add("user:" + i);
        }
        for (int i = 0; i < 100; i++) {
            jedis.set("other:" + i, "v");
        }
        List<String> seen = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        int rounds = 0;
        do {
            ScanResult<String> r = jedis.scan(cursor, new ScanParams().match("user:*").count(37));
            seen.addAll(r.getResult());
            cursor = r.getCursor();
            assertThat(++rounds).isLessThan(10_000);
        } while (!cursor.equals("0"));
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(written);

        List<String> all = new ArrayList<>();
        cursor = "0";
        do {
            ScanResult<String> r = jedis.scan(cursor, new ScanParams().count(100), "string");
            all.addAll(r.getResult());
            cursor = r.getCursor();
        } while (!cursor.equals("0"));
        assertThat(all).hasSize(1100).doesNotHaveDuplicates();

        ScanResult<String> none = jedis.scan("0", new ScanParams().count(2000), "hash");
        assertThat(none.getResult()).isEmpty();
    }

    @Test
    void keysRandomkeyDbsizeFlush() {
        assertThat(jedis.randomKey()).isNull();
        jedis.mset("{k}one", "1", "{k}two", "2", "{k}three", "3");
        jedis.set("x", "y");
        assertThat(jedis.keys("{k}t*")).containsExactlyInAnyOrder("{k}two", "{k}three");
        assertThat(jedis.keys("*")).hasSize(4);
        assertThat(jedis.keys("x")).containsExactly("x");
        assertThat(jedis.keys("?")).containsExactly("x");
        assertThat(jedis.randomKey()).isIn("{k}one", "{k}two", "{k}three", "x");
        assertThat(jedis.dbSize()).isEqualTo(4L);
        assertThat(jedis.flushDB()).isEqualTo("OK");
        assertThat(jedis.dbSize()).isZero();
        jedis.set("x", "y");
        assertThat(jedis.flushAll()).isEqualTo("OK");
        assertThat(jedis.keys("*")).isEmpty();
    }

    @Test
    void wrongArityAndUnknownCommandErrors() {
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.GET))
                .hasMessage("ERR wrong number of arguments for 'get' command");
        assertThatThrownBy(() -> jedis.sendCommand(() -> "FOO".getBytes(), "a".getBytes(), "b".getBytes()))
                .hasMessage("ERR unknown command 'FOO', with args beginning with: 'a' 'b' ");
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.INCRBY, "n", "abc"))
                .hasMessage("ERR value is not an integer or out of range");
    }

    @Test
    void connectionAndServerCommands() {
        assertThat(jedis.ping()).isEqualTo("PONG");
        assertThat(jedis.ping("hi")).isEqualTo("hi");
        assertThat(jedis.echo("echo me")).isEqualTo("echo me");
        assertThat(jedis.select(0)).isEqualTo("OK");
        assertThatThrownBy(() -> jedis.select(1)).isInstanceOf(JedisDataException.class)
                .hasMessageStartingWith("ERR");

        assertThat(jedis.clientSetname("compat-jedis")).isEqualTo("OK");
        assertThat(jedis.clientGetname()).isEqualTo("compat-jedis");
        long id = jedis.clientId();
        assertThat(id).isPositive();
        assertThat(jedis.clientInfo()).contains("id=" + id).contains("name=compat-jedis").contains("lib-name=jedis").contains("lib-ver=");
        assertThat(jedis.clientList()).contains("id=" + id + " ").contains("name=compat-jedis");

        Map<String, String> cfg = jedis.configGet("maxclients");
        assertThat(cfg).containsEntry("maxclients", "10000");
        assertThat(jedis.configGet("proto-max-*")).containsEntry("proto-max-bulk-len", "536870912");

        String info = jedis.info();
        assertThat(info).contains("# Server").contains("redis_version:").contains("# Clients")
                .contains("# Keyspace").contains("# Memory").contains("# Stats").contains("# Persistence");
        assertThat(jedis.info("clients")).contains("connected_clients:").doesNotContain("# Server");

        List<String> time = jedis.time();
        assertThat(time).hasSize(2);
        assertThat(Long.parseLong(time.get(0)) * 1000).isCloseTo(System.currentTimeMillis(), within(5000L));
        assertThat(Long.parseLong(time.get(1))).isBetween(0L, 999_999L);

        assertThat(jedis.commandCount()).isGreaterThan(50L);
        Object info2 = jedis.sendCommand(Protocol.Command.COMMAND, "INFO", "get", "set");
        assertThat(info2).isInstanceOf(List.class);
        assertThat((List<?>) info2).hasSize(2);
        assertThat(jedis.commandInfo("get")).containsKey("get");
        assertThat(jedis.commandInfo("get").get("get").getArity()).isEqualTo(2L);
        assertThat(jedis.commandInfo("set").get("set").getArity()).isEqualTo(-3L);
    }

    @Test
    void unsupportedFeaturesFailLoudly() {
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.MULTI)).isInstanceOf(JedisDataException.class);
        assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.EVAL, "return 1", "0"))
                .isInstanceOf(JedisDataException.class);
        assertThat(jedis.ping()).isEqualTo("PONG");
    }
}
