package io.ringkv.compat.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.RawRespClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Pipelines through a node that forwards most keys to other coordinators: replies arrive in
 * request order, a connection sees its own writes, and connection-state commands (HELLO,
 * QUIT) wait for the replies owed before them.
 */
@Timeout(60)
class ClusterPipelineIT {
    private static InProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = InProcessCluster.start(3, Map.of());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void flush() {
        try (Jedis j = new Jedis("127.0.0.1", cluster.port(0))) {
            j.flushAll();
        }
    }

    @Test
    void pipelinedWritesAndReadsOfManyKeysAnswerInOrder() {
        try (Jedis j = new Jedis("127.0.0.1", cluster.port(1))) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < 2000; i++) {
                p.set("key:" + i, "v" + i);
            }
            List<Response<String>> gets = new java.util.ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                gets.add(p.get("key:" + i));
            }
            p.sync();
            for (int i = 0; i < 2000; i++) {
                assertThat(gets.get(i).get()).isEqualTo("v" + i);
            }
            assertThat(j.dbSize()).isEqualTo(2000);
        }
    }

    @Test
    void aPipelineSeesItsOwnWritesToOneKeyInOrder() {
        try (Jedis j = new Jedis("127.0.0.1", cluster.port(2))) {
            Pipeline p = j.pipelined();
            List<Response<Long>> incrs = new java.util.ArrayList<>();
            List<Response<String>> gets = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                incrs.add(p.incr("counter"));
                gets.add(p.get("counter"));
                p.append("log", Integer.toString(i % 10));
            }
            p.sync();
            for (int i = 0; i < 300; i++) {
                assertThat(incrs.get(i).get()).isEqualTo(i + 1L);
                assertThat(gets.get(i).get()).isEqualTo(Integer.toString(i + 1));
            }
            assertThat(j.strlen("log")).isEqualTo(300);
        }
    }

    @Test
    void helloInAPipelineChangesOnlyTheRepliesAfterIt() throws Exception {
        try (RawRespClient c = new RawRespClient(cluster.port(0))) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 20; i++) {
                batch.write(RawRespClient.command("SET", "h" + i, "x"));
                batch.write(RawRespClient.command("GET", "missing" + i));
            }
            batch.write(RawRespClient.command("HELLO", "3"));
            batch.write(RawRespClient.command("GET", "missing"));
            c.send(batch.toByteArray());
            for (int i = 0; i < 20; i++) {
                assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).isEqualTo("+OK\r\n");
                assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).isEqualTo("$-1\r\n");
            }
            assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).startsWith("%");
            assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).isEqualTo("_\r\n");
        }
    }

    @Test
    void quitAfterForwardedCommandsStillDeliversTheirReplies() throws Exception {
        try (RawRespClient c = new RawRespClient(cluster.port(1))) {
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < 50; i++) {
                batch.write(RawRespClient.command("INCR", "q" + i));
            }
            batch.write(RawRespClient.command("QUIT"));
            c.send(batch.toByteArray());
            for (int i = 0; i < 50; i++) {
                assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).isEqualTo(":1\r\n");
            }
            assertThat(new String(c.readReply(), StandardCharsets.UTF_8)).isEqualTo("+OK\r\n");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void perCommandAndPerConnectionLevelsApplyToForwardedCommands() throws Exception {
        try (RawRespClient c = new RawRespClient(cluster.port(0))) {
            assertThat(c.callString("CL", "ALL", "SET", "lvl", "1")).isEqualTo("+OK\r\n");
            assertThat(c.callString("CL", "ONE", "GET", "lvl")).isEqualTo("$1\r\n1\r\n");
            assertThat(c.callString("CONSISTENCY", "READ", "ONE", "WRITE", "ALL")).isEqualTo("+OK\r\n");
            assertThat(c.callString("CONSISTENCY")).isEqualTo("*4\r\n$4\r\nread\r\n$3\r\nONE\r\n$5\r\nwrite\r\n$3\r\nALL\r\n");
            assertThat(c.callString("CL", "BOGUS", "GET", "lvl")).startsWith("-ERR unknown consistency level 'BOGUS'");
            assertThat(c.callString("CL", "ALL", "CL", "ONE", "GET", "lvl")).startsWith("-ERR CL cannot wrap CL");
            assertThat(c.callString("CONSISTENCY", "READ", "ANY")).startsWith("-ERR ANY is a write consistency level");
            assertThat(c.callString("CONSISTENCY", "DEFAULT")).isEqualTo("+OK\r\n");
        }
    }
}
