package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.Ports;
import io.ringkv.compat.harness.RingKvProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * redis-cli against a RingKV started by {@code bin/ringkv server} in its own OS process, as an
 * operator runs it: commands, mass insertion, and the two ways to stop it — SIGTERM and
 * {@code SHUTDOWN} — each ending the process cleanly with exit code 0.
 */
@Timeout(180)
class RedisCliProcessIT {
    private RingKvProcess server;
    private Path dataDir;

    @BeforeAll
    static void requireTools() {
        assumeTrue(RedisCli.available(), "redis-cli is not installed (apt-get install redis-tools)");
        assumeTrue(Files.isRegularFile(RingKvProcess.home().resolve("resp-server/target/ringkv.jar")),
                "resp-server/target/ringkv.jar is missing (mvn install -pl resp-server -am)");
    }

    @BeforeEach
    void start() throws Exception {
        dataDir = Files.createTempDirectory("ringkv-cli-process");
        server = RingKvProcess.start(Ports.free(), "--data-dir", dataDir.toString());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void commandsThenSigtermStopsTheProcess() throws Exception {
        int port = server.port();
        assertThat(RedisCli.run(port, null, "PING").out()).isEqualTo("PONG\n");
        assertThat(RedisCli.run(port, null, "SET", "k", "v", "EX", "100").out()).isEqualTo("OK\n");
        assertThat(RedisCli.run(port, null, "GET", "k").out()).isEqualTo("v\n");
        assertThat(RedisCli.run(port, null, "INFO", "server").out()).contains("redis_version:").contains("tcp_port:" + port);

        Path file = RedisCli.massInsertFile(20_000);
        try {
            RedisCli.Result pipe = RedisCli.run(port, Files.readAllBytes(file), "--pipe");
            assertThat(pipe.out()).contains("errors: 0, replies: 20000");
        } finally {
            Files.deleteIfExists(file);
        }
        assertThat(RedisCli.run(port, null, "DBSIZE").out()).isEqualTo("20001\n");

        int exit = server.terminate();
        assertThat(exit).as("exit code after SIGTERM (-1 = did not stop in 20 s); output:\n%s", server.output()).isZero();
        assertThat(server.process().isAlive()).isFalse();
        RedisCli.Result refused = RedisCli.run(port, null, "PING");
        assertThat(refused.out() + refused.stderr()).contains("Connection refused");
    }

    @Test
    void sigtermExitCodeIsZero() throws Exception {
        assertThat(RedisCli.run(server.port(), null, "SET", "k", "v").out()).isEqualTo("OK\n");
        assertThat(server.terminate()).as(server.output()).isZero();
    }

    @Test
    void shutdownCommandStopsTheProcess() throws Exception {
        int port = server.port();
        assertThat(RedisCli.run(port, null, "SET", "k", "v").out()).isEqualTo("OK\n");
        RedisCli.Result r = RedisCli.run(port, null, "SHUTDOWN");
        // redis-cli prints nothing when the server closes the connection as it shuts down.
        assertThat(r.out()).doesNotContain("ERR");
        assertThat(server.process().waitFor(20, TimeUnit.SECONDS))
                .as("process still running after SHUTDOWN; output:\n%s", server.output()).isTrue();
        assertThat(server.process().exitValue()).as(server.output()).isZero();
    }

    @Test
    void interactiveSessionAgainstTheProcess() throws Exception {
        assumeTrue(RedisCli.executable("script") != null, "util-linux script is not installed");
        int port = server.port();
        RedisCli.Result r = RedisCli.interactive(port, "set a 10\nincrby a 5\nget a\ndbsize\nquit\n");
        String prompt = "127.0.0.1:" + port + "> ";
        assertThat(r.out()).contains(prompt + "OK\n" + prompt + "(integer) 15\n" + prompt + "\"15\"\n" + prompt + "(integer) 1\n");
    }
}
