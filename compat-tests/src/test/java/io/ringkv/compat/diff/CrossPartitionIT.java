package io.ringkv.compat.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RedisServerProcess;
import io.ringkv.ring.partition.Partitioner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The intended difference {@code crossslot}: multi-key commands that Redis makes atomic
 * (MSETNX, RENAME, RENAMENX) answer CROSSSLOT on RingKV when their keys fall in different
 * partitions, and change nothing; the fan-out commands (MSET, MGET, DEL, EXISTS, UNLINK) over
 * the same keys still answer exactly as redis-server does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class CrossPartitionIT {
    private static final String CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

    private RedisServerProcess redis;
    private InProcessNode ringkv;
    private RawRespClient toRedis;
    private RawRespClient toRingKv;
    /** Two keys that the node's partitioner puts in different partitions. */
    private String a;
    private String b;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(RedisServerProcess.available(), "redis-server is not installed");
        redis = RedisServerProcess.start();
        ringkv = InProcessNode.start();
        toRedis = new RawRespClient(redis.port());
        toRingKv = new RawRespClient(ringkv.port());
        // The node's own partitioner: the keys are chosen, not assumed, to differ.
        Partitioner p = ringkv.node().context().partitioner();
        a = "key:a";
        int i = 0;
        do {
            b = "key:b" + i++;
        } while (p.partitionOf(bytes(b)) == p.partitionOf(bytes(a)));
    }

    @AfterAll
    void stop() throws IOException {
        if (toRedis != null) {
            toRedis.close();
        }
        if (toRingKv != null) {
            toRingKv.close();
        }
        if (ringkv != null) {
            ringkv.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void flush() throws IOException {
        same("FLUSHALL");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends to both servers and requires identical replies. */
    private String same(String... cmd) throws IOException {
        String r = toRedis.callString(cmd);
        String k = toRingKv.callString(cmd);
        assertEquals(Reply.escape(bytes(r), 400), Reply.escape(bytes(k), 400), "reply to " + String.join(" ", cmd));
        return k;
    }

    private String ringkv(String... cmd) throws IOException {
        return toRingKv.callString(cmd);
    }

    @Test
    void msetnxAcrossPartitionsIsRefusedAndSetsNothing() throws IOException {
        assertEquals(CROSSSLOT, ringkv("MSETNX", a, "1", b, "2"));
        assertEquals(":0\r\n", ringkv("EXISTS", a, b));
        // Even when one key exists: the partition check comes first, as in Redis Cluster.
        ringkv("SET", a, "x");
        assertEquals(CROSSSLOT, ringkv("MSETNX", a, "1", b, "2"));
        assertEquals("*2\r\n$1\r\nx\r\n$-1\r\n", ringkv("MGET", a, b));
    }

    @Test
    void renameAcrossPartitionsIsRefusedAndMovesNothing() throws IOException {
        ringkv("SET", a, "v");
        assertEquals(CROSSSLOT, ringkv("RENAME", a, b));
        assertEquals(CROSSSLOT, ringkv("RENAMENX", a, b));
        // A missing source still answers CROSSSLOT: the keys are checked before the data.
        assertEquals(CROSSSLOT, ringkv("RENAME", b, a));
        assertEquals("*2\r\n$1\r\nv\r\n$-1\r\n", ringkv("MGET", a, b));
    }

    @Test
    void hashTagsPutKeysInOnePartitionAndMatchRedis() throws IOException {
        String ta = "{" + a + "}x";
        String tb = "{" + a + "}" + b;
        assertNotEquals(CROSSSLOT, same("MSETNX", ta, "1", tb, "2"));
        same("RENAME", ta, "{" + a + "}y");
        same("RENAMENX", tb, "{" + a + "}y");
        same("MGET", ta, tb, "{" + a + "}y");
    }

    @Test
    void fanOutCommandsAcrossPartitionsMatchRedis() throws IOException {
        same("MSET", a, "1", b, "2");
        same("MGET", a, b, "missing");
        same("EXISTS", a, b, a, "missing");
        same("DEL", a, "missing");
        same("UNLINK", b, a);
        same("MSET", a, "1", b, "2", a, "3");
        same("MGET", b, a);
        same("DEL", a, b, a);
        same("DBSIZE");
    }
}
