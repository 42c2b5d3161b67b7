package io.ringkv.compat.badinput;

import static io.ringkv.compat.badinput.Exchange.bytes;
import static io.ringkv.compat.badinput.Exchange.show;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RedisServerProcess;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests, each on a fresh connection: the reply bytes and whether the server closed
 * the connection must be exactly Redis's. The expectations are written out (so the suite runs
 * without Redis) and, where a redis-server is installed, the same bytes are sent to it and its
 * answer must match too: Redis's text is the spec. After every case the server still answers
 * PING on a fresh connection and a key written before is intact.
 *
 * <p>Both servers run with proto-max-bulk-len 1mb (Redis's minimum) and, for a second pair,
 * requirepass, which turns on Redis's limits for unauthenticated clients.
 */
@Timeout(120)
class ProtocolErrorsIT {
    private static final String PASSWORD = "badinput-pass";
    private static InProcessNode open;
    private static InProcessNode secured;
    private static RedisServerProcess redisOpen;
    private static RedisServerProcess redisSecured;

    @BeforeAll
    static void start() throws Exception {
        open = InProcessNode.start(Map.of("proto-max-bulk-len", "1mb"));
        secured = InProcessNode.start(Map.of("proto-max-bulk-len", "1mb", "requirepass", PASSWORD));
        if (RedisServerProcess.available()) {
            redisOpen = RedisServerProcess.start("--proto-max-bulk-len", "1mb");
            redisSecured = RedisServerProcess.start("--proto-max-bulk-len", "1mb", "--requirepass", PASSWORD);
        }
        Exchange.put(open.port(), "sentinel", "intact");
        Exchange.send(secured.port(), bytes("AUTH " + PASSWORD + "\r\nSET sentinel intact\r\n"));
        if (redisOpen != null) {
            Exchange.put(redisOpen.port(), "sentinel", "intact");
            Exchange.send(redisSecured.port(), bytes("AUTH " + PASSWORD + "\r\nSET sentinel intact\r\n"));
        }
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {open, secured, redisOpen, redisSecured}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final String PONG = "+PONG\r\n";

    static Stream<Arguments> openCases() {
        String big = "x".repeat(70_000);
        return Stream.of(
                // name, request, expected reply, closed?
                Arguments.of("multibulk length not a number", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true),
                Arguments.of("multibulk length with a plus", "*+1\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true),
                Arguments.of("multibulk length over INT_MAX", "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true),
                Arguments.of("multibulk ended by bare LF", "*1\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true),
                Arguments.of("negative multibulk is an empty request", "*-5\r\nPING\r\n", PONG, false),
                Arguments.of("zero multibulk is an empty request", "*0\r\nPING\r\n", PONG, false),
                Arguments.of("null bulk inside a multibulk", "*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n", true),
                Arguments.of("negative bulk length", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n", true),
                Arguments.of("bulk length not a number", "*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n", true),
                Arguments.of("bulk length with leading zero", "*1\r\n$04\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n", true),
                Arguments.of("bulk over proto-max-bulk-len", "*2\r\n$4\r\nECHO\r\n$1048577\r\n", "-ERR Protocol error: invalid bulk length\r\n", true),
                Arguments.of("bulk at proto-max-bulk-len waits for data", "*2\r\n$4\r\nECHO\r\n$1048576\r\nabc", "", false),
                Arguments.of("element not a bulk", "*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n", true),
                Arguments.of("element is an integer", "*2\r\n$4\r\nECHO\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n", true),
                Arguments.of("replies before the error are kept", "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n?\r\nPING\r\n",
                        PONG + PONG + "-ERR Protocol error: expected '$', got '?'\r\n", true),
                Arguments.of("inline over 64 KiB without newline", big, "-ERR Protocol error: too big inline request\r\n", true),
                Arguments.of("multibulk count line over 64 KiB", "*" + "1".repeat(70_000), "-ERR Protocol error: too big mbulk count string\r\n", true),
                Arguments.of("bulk count line over 64 KiB", "*1\r\n$" + "1".repeat(70_000), "-ERR Protocol error: too big bulk count string\r\n", true),
                Arguments.of("unbalanced double quote", "set \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true),
                Arguments.of("unbalanced single quote", "set 'a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true),
                Arguments.of("closing quote followed by a letter", "set \"a\"b c\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true),
                Arguments.of("inline quoting and escapes", "ECHO \"\\x41\\n\\t\"\r\nECHO 'it\\'s'\r\n", "$3\r\nA\n\t\r\n$4\r\nit's\r\n", false),
                Arguments.of("closing quote directly followed by a quote", "ECHO 'it''s'\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true),
                Arguments.of("blank inline lines are skipped", "\r\n\r\n   \nPING\r\n", PONG, false),
                Arguments.of("inline with bare LF", "PING\n", PONG, false),
                Arguments.of("bulk without CRLF terminator still parses", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", PONG + PONG, false),
                Arguments.of("bulk header typed inline", "$4\r\nPING\r\n", "-ERR unknown command '$4', with args beginning with: \r\n" + PONG, false),
                Arguments.of("huge declared multibulk count waits without preallocating", "*2147483647\r\n$4\r\nPING\r\n", "", false),
                Arguments.of("unknown command", "FOO a b\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", false),
                Arguments.of("wrong arity", "*1\r\n$3\r\nGET\r\n", "-ERR wrong number of arguments for 'get' command\r\n", false),
                Arguments.of("QUIT closes after OK", "QUIT\r\nPING\r\n", "+OK\r\n", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("openCases")
    void malformedRequest(String name, String request, String expected, boolean closed) throws Exception {
        check(open.port(), redisOpen == null ? -1 : redisOpen.port(), request, expected, closed);
    }

    @org.junit.jupiter.api.Test
    void nonAsciiByteInsteadOfBulkHeader() throws Exception {
        byte[] request = {'*', '1', '\r', '\n', (byte) 0x97, '\r', '\n'};
        Exchange got = Exchange.send(open.port(), request);
        assertThat(show(got.reply())).isEqualTo("-ERR Protocol error: expected '$', got '\\x97'\\r\\n");
        assertThat(got.closedByServer()).isTrue();
        if (redisOpen != null) {
            assertThat(show(Exchange.send(redisOpen.port(), request).reply())).isEqualTo(show(got.reply()));
        }
    }

    @org.junit.jupiter.api.Test
    void bulkHeaderLineNotYetComplete() throws Exception {
        byte[] request = bytes("*2\r\n$4\r\nECHO\r\nx\r");
        Exchange got = Exchange.send(open.port(), request, 1000, true);
        assertThat(show(got.reply())).isEqualTo("");
        if (redisOpen != null) {
            assertThat(show(Exchange.send(redisOpen.port(), request, 1000, true).reply())).isEqualTo("");
        }
    }

    static Stream<Arguments> unauthenticatedCases() {
        return Stream.of(
                Arguments.of("multibulk count over 10 before AUTH", "*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n", true),
                Arguments.of("multibulk count 10 before AUTH waits", "*10\r\n", "", false),
                Arguments.of("bulk over 16384 before AUTH", "*1\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n", true),
                Arguments.of("bulk of 16384 before AUTH waits", "*1\r\n$16384\r\n", "", false),
                Arguments.of("command before AUTH", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "-NOAUTH Authentication required.\r\n", false),
                Arguments.of("wrong password", "AUTH nope\r\n", "-WRONGPASS invalid username-password pair or user is disabled.\r\n", false),
                Arguments.of("HELLO with a wrong password", "HELLO 3 AUTH default nope\r\n", "-WRONGPASS invalid username-password pair or user is disabled.\r\n", false),
                Arguments.of("limits lifted after AUTH", "AUTH " + PASSWORD + "\r\n*11\r\n", "+OK\r\n", false),
                Arguments.of("large bulk after AUTH", "AUTH " + PASSWORD + "\r\n*2\r\n$4\r\nECHO\r\n$20000\r\n" + "y".repeat(20_000) + "\r\n",
                        "+OK\r\n$20000\r\n" + "y".repeat(20_000) + "\r\n", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unauthenticatedCases")
    void unauthenticatedLimits(String name, String request, String expected, boolean closed) throws Exception {
        check(secured.port(), redisSecured == null ? -1 : redisSecured.port(), request, expected, closed);
    }

    private static void check(int ours, int redisPort, String request, String expected, boolean closed) throws Exception {
        Exchange got = Exchange.send(ours, bytes(request));
        assertThat(show(got.reply())).as("reply").isEqualTo(show(bytes(expected)));
        assertThat(got.closedByServer()).as("connection closed by the server").isEqualTo(closed);
        if (redisPort > 0) {
            Exchange redis = Exchange.send(redisPort, bytes(request));
            assertThat(show(redis.reply())).as("redis-server's reply (the spec)").isEqualTo(show(bytes(expected)));
            assertThat(redis.closedByServer()).as("redis-server closed").isEqualTo(closed);
        }
        if (ours == secured.port()) {
            Exchange health = Exchange.send(ours, bytes("AUTH " + PASSWORD + "\r\nPING\r\nGET sentinel\r\n"));
            assertThat(health.text()).isEqualTo("+OK\r\n+PONG\r\n$6\r\nintact\r\n");
        } else {
            Exchange.assertHealthy(ours, "sentinel", "intact");
        }
    }
}
