package io.ringkv.compat.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.Await;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RingKvCluster;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code RING JOIN host:port}: a node running as a one-node cluster of its own joins a
 * three-node cluster it is pointed at by a member's client address. It refuses while it holds
 * keys or when nothing answers there; once joined it owns partitions, has streamed the data of
 * the ones it replicates, and serves every key.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RingJoinIT {
    private static final int KEYS = 300;

    @Test
    void anEmptySeparateNodeJoinsTheClusterAtTheAddressItIsGiven() throws Exception {
        try (RingKvCluster cluster = RingKvCluster.builder("ring-join").size(3).start()) {
            try (RawRespClient c = cluster.client(0)) {
                for (int i = 0; i < KEYS; i++) {
                    assertThat(c.callString("SET", "join:" + i, "v" + i)).isEqualTo("+OK\r\n");
                }
            }
            int n4 = cluster.addSeparateNode();
            String member = "127.0.0.1:" + cluster.port(0);
            try (RawRespClient c = cluster.client(n4)) {
                assertThat(c.callString("SET", "mine", "1")).isEqualTo("+OK\r\n");
                assertThat(c.callString("RING", "JOIN", member))
                        .isEqualTo("-ERR this node holds keys; only an empty node can join another ring\r\n");
                assertThat(c.callString("DEL", "mine")).isEqualTo(":1\r\n");
                assertThat(c.callString("RING", "JOIN", "127.0.0.1:1")).startsWith("-ERR cannot reach a RingKV node at 127.0.0.1:1: ");
                assertThat(c.callString("RING", "JOIN", "no-port")).isEqualTo("-ERR invalid address, expected host:port: no-port\r\n");

                assertThat(c.callString("RING", "JOIN", member)).isEqualTo("+OK\r\n");
            }
            Await.until(Duration.ofSeconds(90), "n4 is a normal member of a settled 4-node ring", () -> {
                Map<String, String> ring = cluster.info(n4, "ring");
                return "4".equals(ring.get("members")) && "no".equals(ring.get("ring_in_transition")) && "up".equals(ring.get("ring_status"))
                        && "4".equals(cluster.info(0, "ring").get("members"));
            });
            assertThat(cluster.infoRingCounter(n4, "partitions_owned")).isPositive();
            assertThat(cluster.infoRingCounter(n4, "stream_keys_received")).isPositive();
            try (RawRespClient c = cluster.client(n4)) {
                for (int i = 0; i < KEYS; i++) {
                    assertThat(c.callString("CL", "ALL", "GET", "join:" + i)).isEqualTo("$" + ("v" + i).length() + "\r\nv" + i + "\r\n");
                }
                assertThat(c.callString("RING", "JOIN", member)).startsWith("-ERR this node is already in a ring of 4 members");
            }
        }
    }
}
