package io.ringkv.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real redis-cli against an in-process node: one-shot commands, stdin sessions, --pipe mass
 * insertion, --scan, -x, --raw/--no-raw, an interactive pty session and AUTH flags. Where a real
 * redis-server is installed, the same invocations run against it and the outputs must be equal:
 * redis-cli's printed output is what scripts depend on.
 */
@Timeout(120)
class RedisCliIT {
    private static InProcessNode node;
    private static RedisServerProcess redis;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(RedisCli.available(), "redis-cli is not installed (apt-get install redis-tools)");
        node = InProcessNode.start();
        if (RedisServerProcess.available()) {
            redis = RedisServerProcess.start();
        }
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void flush() throws Exception {
        assertThat(RedisCli.run(node.port(), null, "FLUSHALL").out()).isEqualTo("OK\n");
        if (redis != null) {
            RedisCli.run(redis.port(), null, "FLUSHALL");
        }
    }

    /** Runs on RingKV and (if installed) on redis-server; asserts identical stdout and exit code. */
    private static RedisCli.Result same(byte[] stdin, String... args) throws Exception {
        RedisCli.Result ours = RedisCli.run(node.port(), stdin, args);
        if (redis != null) {
            RedisCli.Result theirs = RedisCli.run(redis.port(), stdin, args);
            assertThat(ours.out()).as("redis-cli %s: RingKV vs redis-server", List.of(args)).isEqualTo(theirs.out());
            assertThat(ours.exitCode()).as("exit code of redis-cli %s", List.of(args)).isEqualTo(theirs.exitCode());
        }
        return ours;
    }

    @Test
    void oneShotCommandsPrintWhatRedisPrints() throws Exception {
        String[][] script = {
            {"SET", "k", "v"}, {"GET", "k"}, {"GET", "missing"}, {"--no-raw", "GET", "missing"},
            {"INCR", "k"}, {"--no-raw", "INCR", "k"}, {"SET", "n", "10"}, {"INCRBY", "n", "5"},
            {"--no-raw", "INCRBY", "n", "5"}, {"DECR", "n"}, {"INCRBYFLOAT", "n", "0.5"},
            {"APPEND", "k", "xyz"}, {"STRLEN", "k"}, {"GETRANGE", "k", "1", "2"}, {"SETRANGE", "k", "0", "AB"},
            {"--no-raw", "MGET", "k", "n", "missing"}, {"MGET", "k", "n", "missing"},
            {"EXPIRE", "k", "100"}, {"TTL", "k"}, {"PERSIST", "k"}, {"TTL", "k"}, {"PTTL", "missing"},
            {"EXISTS", "k", "n", "missing"}, {"TYPE", "k"}, {"--no-raw", "TYPE", "missing"},
            {"SETNX", "k", "x"}, {"GETSET", "k", "new"}, {"GETDEL", "k"}, {"SET", "k", "v", "NX", "XX"},
            {"SET", "k", "v", "GET"}, {"--no-raw", "SET", "k", "w", "GET"}, {"DEL", "k", "n"}, {"UNLINK", "nothing"},
            {"DBSIZE"}, {"PING"}, {"--no-raw", "PING"}, {"ECHO", "hello world"}, {"SELECT", "0"},
            {"GET"}, {"FOO", "a", "b"}, {"CONFIG", "GET", "maxclients"}, {"--no-raw", "CONFIG", "GET", "timeout"},
            {"RENAME", "{t}nothing", "{t}other"}, {"KEYS", "*"}, {"--no-raw", "KEYS", "*"},
        };
        for (String[] args : script) {
            same(null, args);
        }
        // A few spelled out, so the expectations are readable without a redis-server.
        assertThat(RedisCli.run(node.port(), null, "SET", "a", "1").out()).isEqualTo("OK\n");
        assertThat(RedisCli.run(node.port(), null, "--no-raw", "GET", "nope").out()).isEqualTo("(nil)\n");
        assertThat(RedisCli.run(node.port(), null, "--no-raw", "INCR", "a").out()).isEqualTo("(integer) 2\n");
        assertThat(RedisCli.run(node.port(), null, "--no-raw", "GET", "a").out()).isEqualTo("\"2\"\n");
        assertThat(RedisCli.run(node.port(), null, "--no-raw", "GET").out())
                .isEqualTo("(error) ERR wrong number of arguments for 'get' command\n");
    }

    @Test
    void commandsFromStdinWithoutTty() throws Exception {
        String session = "set a 1\nget a\nincr a\nincr a\nset s text\nincr s\nmget a s nope\nexists a s\nttl a\nping\necho \"two words\"\n";
        RedisCli.Result raw = same(session.getBytes(StandardCharsets.UTF_8));
        assertThat(raw.lines()).containsExactly("OK", "1", "2", "3", "OK",
                "ERR value is not an integer or out of range", "", "3", "text", "", "2", "-1", "PONG", "two words");
        RedisCli.Result formatted = same(session.getBytes(StandardCharsets.UTF_8), "--no-raw");
        assertThat(formatted.lines()).containsExactly("OK", "\"1\"", "(integer) 2", "(integer) 3", "OK",
                "(error) ERR value is not an integer or out of range", "1) \"3\"", "2) \"text\"", "3) (nil)",
                "(integer) 2", "(integer) -1", "PONG", "\"two words\"");
    }

    @Test
    void pipeMassInsertionOfOneHundredThousandKeys() throws Exception {
        Path file = RedisCli.massInsertFile(100_000);
        try {
            RedisCli.Result r = RedisCli.run(node.port(), Files.readAllBytes(file), "--pipe");
            assertThat(r.exitCode()).as(r.out() + r.stderr()).isZero();
            assertThat(r.out()).contains("errors: 0, replies: 100000");
            assertThat(RedisCli.run(node.port(), null, "DBSIZE").out()).isEqualTo("100000\n");
            assertThat(RedisCli.run(node.port(), null, "GET", "mass:99999").out()).isEqualTo("value-99999\n");
            assertThat(RedisCli.run(node.port(), null, "MGET", "mass:0", "mass:50000").lines())
                    .containsExactly("value-0", "value-50000");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void pipeReportsErrors() throws Exception {
        String proto = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n";
        RedisCli.Result r = same(proto.getBytes(StandardCharsets.US_ASCII), "--pipe");
        assertThat(r.out()).contains("errors: 1, replies: 3");
    }

    @Test
    void scanWithPattern() throws Exception {
        StringBuilder session = new StringBuilder();
        Set<String> users = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            session.append("SET user:").append(i).append(" v\n");
            users.add("user:" + i);
            session.append("SET item:").append(i).append(" v\n");
        }
        RedisCli.run(node.port(), session.toString().getBytes(StandardCharsets.UTF_8));
        RedisCli.Result r = RedisCli.run(node.port(), null, "--scan", "--pattern", "user:*");
        assertThat(r.lines()).doesNotHaveDuplicates();
        assertThat(new HashSet<>(r.lines())).isEqualTo(users);
        RedisCli.Result some = RedisCli.run(node.port(), null, "--scan", "--pattern", "user:1?");
        assertThat(some.lines()).containsExactlyInAnyOrder("user:10", "user:11", "user:12", "user:13", "user:14",
                "user:15", "user:16", "user:17", "user:18", "user:19");
        assertThat(RedisCli.run(node.port(), null, "--scan").lines()).hasSize(1000);
    }

    @Test
    void valueFromStdinWithX() throws Exception {
        byte[] value = "line one\nline two\0binary\u00ff".getBytes(StandardCharsets.UTF_8);
        assertThat(same(value, "-x", "SET", "fromstdin").out()).isEqualTo("OK\n");
        RedisCli.Result got = same(null, "--raw", "GET", "fromstdin");
        byte[] expected = new byte[value.length + 1];
        System.arraycopy(value, 0, expected, 0, value.length);
        expected[value.length] = '\n';
        assertThat(got.stdout()).isEqualTo(expected);
        assertThat(same(null, "--no-raw", "GET", "fromstdin").out())
                .isEqualTo("\"line one\\nline two\\x00binary\\xc3\\xbf\"\n");
        assertThat(same(null, "STRLEN", "fromstdin").out()).isEqualTo(value.length + "\n");
    }

    @Test
    void interactiveSessionOnPty() throws Exception {
        assumeTrue(RedisCli.executable("script") != null, "util-linux script is not installed");
        String input = "set greeting hello\nget greeting\nincr greeting\nincr counter\nmget greeting counter nope\nping\nquit\n";
        RedisCli.Result r = RedisCli.interactive(node.port(), input);
        String prompt = "127.0.0.1:" + node.port() + "> ";
        String out = r.out();
        assertThat(out).contains(prompt + "OK\n")
                .contains(prompt + "\"hello\"\n")
                .contains(prompt + "(error) ERR value is not an integer or out of range\n")
                .contains(prompt + "(integer) 1\n")
                .contains(prompt + "1) \"hello\"\n2) \"1\"\n3) (nil)\n")
                .contains(prompt + "PONG\n");
        assertThat(r.exitCode()).isZero();
        if (redis != null) {
            RedisCli.interactive(redis.port(), "flushall\n");
            String theirs = RedisCli.interactive(redis.port(), input).out()
                    .replace("127.0.0.1:" + redis.port() + "> ", prompt);
            assertThat(out).isEqualTo(theirs);
        }
    }

    @Test
    void interactiveHelpShowsArgumentSynopsis() throws Exception {
        assumeTrue(RedisCli.executable("script") != null, "util-linux script is not installed");
        RedisCli.Result r = RedisCli.interactive(node.port(), "help set\nhelp getex\nquit\n");
        assertThat(r.out()).contains("key value [NX|XX] [GET]").contains("key [EX seconds|PX milliseconds");
    }

    @Test
    void interactiveSessionWithAuth() throws Exception {
        assumeTrue(RedisCli.executable("script") != null, "util-linux script is not installed");
        try (InProcessNode secured = InProcessNode.start(Map.of("requirepass", "cli-pass"))) {
            RedisCli.Result r = RedisCli.interactive(secured.port(), "get k\nauth wrong\nauth cli-pass\nset k v\nget k\nquit\n");
            String prompt = "127.0.0.1:" + secured.port() + "> ";
            assertThat(r.out()).contains(prompt + "(error) NOAUTH Authentication required.\n")
                    .contains(prompt + "(error) WRONGPASS invalid username-password pair or user is disabled.\n")
                    .contains(prompt + "OK\n" + prompt + "OK\n" + prompt + "\"v\"\n");
        }
    }

    @Test
    void authFlags() throws Exception {
        try (InProcessNode secured = InProcessNode.start(Map.of("requirepass", "cli-pass"))) {
            int port = secured.port();
            // In raw mode redis-cli prints an error reply followed by an empty line.
            assertThat(RedisCli.run(port, null, "GET", "k").out()).isEqualTo("NOAUTH Authentication required.\n\n");
            RedisCli.Result warned = RedisCli.run(port, null, "-a", "cli-pass", "SET", "k", "v");
            assertThat(warned.out()).isEqualTo("OK\n");
            assertThat(warned.stderr()).contains("Using a password with '-a' or '-u' option on the command line");
            assertThat(RedisCli.run(port, null, "-a", "cli-pass", "--no-auth-warning", "GET", "k").out()).isEqualTo("v\n");
            assertThat(RedisCli.run(port, null, "--user", "default", "--pass", "cli-pass", "--no-auth-warning", "GET", "k").out())
                    .isEqualTo("v\n");
            List<String> uriArgs = new ArrayList<>(List.of("-u", "redis://default:cli-pass@127.0.0.1:" + port, "--no-auth-warning", "GET", "k"));
            assertThat(RedisCli.run(port, null, uriArgs.toArray(String[]::new)).out()).isEqualTo("v\n");
            RedisCli.Result wrong = RedisCli.run(port, null, "-a", "bad", "--no-auth-warning", "GET", "k");
            assertThat(wrong.stderr() + wrong.out()).contains("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.");
            // RESP3 through redis-cli -3 with AUTH: HELLO 3 AUTH default <pass>.
            assertThat(RedisCli.run(port, null, "-3", "-a", "cli-pass", "--no-auth-warning", "--no-raw", "CONFIG", "GET", "timeout").out())
                    .isEqualTo("1# \"timeout\" => \"0\"\n");
        }
    }

    @Test
    void resp3OutputMatchesRedis() throws Exception {
        same(null, "-3", "SET", "k", "1");
        for (String[] args : new String[][] {
            {"-3", "--no-raw", "GET", "nope"}, {"-3", "--no-raw", "INCRBYFLOAT", "k", "1.5"},
            {"-3", "--no-raw", "CONFIG", "GET", "maxclients"}, {"-3", "--no-raw", "MGET", "k", "nope"},
            {"-3", "--no-raw", "EXISTS", "k"}, {"-3", "--no-raw", "HELLO", "3", "SETNAME", "x"},
        }) {
            if (args[2].equals("HELLO")) {
                assertThat(RedisCli.run(node.port(), null, args).out()).contains("\"proto\" => (integer) 3");
            } else {
                same(null, args);
            }
        }
    }
}
