package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RedisServerProcess;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

/**
 * Lettuce's connection handshake against a node with requirepass: HELLO 3 AUTH (RESP3 and
 * auto-negotiation), AUTH (RESP2), CLIENT SETINFO, and what Lettuce surfaces when the password
 * is wrong or missing. Each outcome is also checked against a real redis-server when one is
 * installed, so "the same as Redis" is measured, not assumed.
 */
@Timeout(60)
class LettuceHandshakeIT {
    private static final String PASSWORD = "lettuce-pass";
    private static InProcessNode node;
    private static RedisServerProcess redis;

    @BeforeAll
    static void start() throws Exception {
        node = InProcessNode.start(Map.of("requirepass", PASSWORD));
        if (RedisServerProcess.available()) {
            redis = RedisServerProcess.start("--requirepass", PASSWORD);
        }
    }

    @AfterAll
    static void stop() {
        node.close();
        if (redis != null) {
            redis.close();
        }
    }

    /** protocol: 2, 3 or "auto" (Lettuce's default: try HELLO 3, fall back to RESP2 when HELLO is unknown). */
    @ParameterizedTest(name = "protocol={0} password={1}")
    @CsvSource({
        "2, lettuce-pass, OK resp=2",
        "3, lettuce-pass, OK resp=3",
        "auto, lettuce-pass, OK resp=3",
        "2, wrong, WRONGPASS",
        "3, wrong, WRONGPASS",
        "auto, wrong, WRONGPASS",
        "2, '', NOAUTH",
        "3, '', NOAUTH",
        "auto, '', NOAUTH",
    })
    void handshake(String protocol, String password, String expected) {
        String ours = outcome(node.port(), protocol, password);
        assertThat(ours).isEqualTo(expected);
        if (redis != null) {
            assertThat(outcome(redis.port(), protocol, password)).as("real redis-server").isEqualTo(expected);
        }
    }

    /** Connects, runs SET/GET, returns "OK resp=N" or the first Redis error code Lettuce surfaced. */
    private static String outcome(int port, String protocol, String password) {
        RedisURI.Builder uri = RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(10));
        if (!password.isEmpty()) {
            uri.withPassword(password.toCharArray());
        }
        RedisClient client = RedisClient.create(uri.build());
        ClientOptions.Builder options = ClientOptions.builder();
        if (!protocol.equals("auto")) {
            options.protocolVersion(protocol.equals("3") ? ProtocolVersion.RESP3 : ProtocolVersion.RESP2);
        }
        client.setOptions(options.build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().set("handshake", "v");
            assertThat(c.sync().get("handshake")).isEqualTo("v");
            String info = c.sync().clientInfo();
            return "OK " + info.substring(info.indexOf("resp="), info.indexOf("resp=") + 6);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                for (String code : new String[] {"WRONGPASS", "NOAUTH"}) {
                    if (m.contains(code)) {
                        return code;
                    }
                }
            }
            throw e;
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
