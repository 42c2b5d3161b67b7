package io.ringkv.resp.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Error texts built from client bytes follow Redis's C formatting (%.*s, NUL-terminated). */
class RedisErrorsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void clientBytesAreQuotedVerbatimEvenWhenNotUtf8() {
        assertThat(RedisErrors.unknownCommand(b("FOO"), List.of(new byte[] {(byte) 0xff})))
                .endsWith(new byte[] {'\'', (byte) 0xff, '\'', ' '});
    }

    @Test
    void unknownCommandQuotesArgumentsUntilAbout128Bytes() {
        assertThat(text(RedisErrors.unknownCommand(b("FOO"), List.of(b("x"), b("y")))))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: 'x' 'y' ");
        assertThat(text(RedisErrors.unknownCommand(b("FOO"), List.of())))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: ");
        // The first argument may use all 128 bytes; the room is measured before its quote.
        String a137 = "a".repeat(137);
        assertThat(text(RedisErrors.unknownCommand(b("FOO"), List.of(b(a137), b("b")))))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: '" + "a".repeat(128) + "' ");
        String a127 = "a".repeat(127);
        assertThat(text(RedisErrors.unknownCommand(b("FOO"), List.of(b(a127), b("bcd"), b("efg")))))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: '" + a127 + "' ");
    }

    @Test
    void argumentsAndNamesStopAtNulAsCStrings() {
        assertThat(text(RedisErrors.unknownCommand(b("FOO"), List.of(b("with\u0000nul")))))
                .isEqualTo("ERR unknown command 'FOO', with args beginning with: 'with' ");
        assertThat(text(RedisErrors.unknownCommand(b("F\u0000OO"), List.of())))
                .isEqualTo("ERR unknown command 'F', with args beginning with: ");
        assertThat(text(RedisErrors.unknownSubcommand(b("x\u0000y"), b("client")))).isEqualTo("ERR unknown subcommand 'x'. Try CLIENT HELP.");
    }

    @Test
    void clusterFailuresMapToUnavailableOrTimeoutWithTheirDetail() {
        var unavailable = new io.ringkv.ring.UnavailableException(io.ringkv.ring.ConsistencyLevel.ALL, "read", 3, 2);
        assertThat(RedisErrors.forFailure(new java.util.concurrent.CompletionException(unavailable)))
                .isEqualTo("UNAVAILABLE ALL read needs 3 live replicas, 2 alive");
        assertThat(RedisErrors.forFailure(new io.ringkv.ring.QuorumTimeoutException(io.ringkv.ring.ConsistencyLevel.QUORUM, "write", 2, 1)))
                .isEqualTo("TIMEOUT QUORUM write timed out: needed 2 acknowledgements, received 1");
        assertThat(RedisErrors.forFailure(new io.ringkv.ring.transport.ConnectionLostException("link down")))
                .startsWith("TIMEOUT").contains("outcome unknown");
        assertThat(RedisErrors.forFailure(new io.ringkv.ring.transport.PeerUnreachableException("refused")))
                .startsWith("UNAVAILABLE");
        assertThat(RedisErrors.forFailure(new io.ringkv.ring.version.CausalContext.InvalidContextException("malformed context")))
                .isEqualTo("ERR invalid causal context: malformed context");
    }
}
