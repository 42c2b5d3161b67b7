package io.ringkv.compat.badinput;

import static io.ringkv.compat.badinput.Exchange.show;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringkv.compat.harness.InProcessNode;
import io.ringkv.compat.harness.RawRespClient;
import io.ringkv.compat.harness.RedisServerProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the request parser over real sockets: random bytes and mutated valid
 * pipelines, each on a fresh connection that is half-closed after sending (the server must
 * then finish and close within 2 s, never hang). The same payload goes to a real redis-server
 * when one is installed and the replies must be byte-identical; both servers start from the
 * same state and receive the same sequence, so their keyspaces evolve together. The seed and
 * iteration are in every failure message: rerun with -Dfuzz.seed=N to reproduce.
 */
@Timeout(180)
class FuzzIT {
    private static final long SEED = Long.getLong("fuzz.seed", 0x5EED_0F_2024L);
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 400);
    private static final int CLOSE_WAIT_MILLIS = 2000;

    private static InProcessNode node;
    private static RedisServerProcess redis;

    /** Commands whose replies do not depend on time or on server identity (no argument is itself a command name such as HELLO, which a mutation can turn into an inline request). */
    private static final String[][] CORPUS = {
        {"SET", "fuzz:a", "howdy"}, {"GET", "fuzz:a"}, {"INCR", "fuzz:n"}, {"INCRBY", "fuzz:n", "7"},
        {"APPEND", "fuzz:a", "!"}, {"STRLEN", "fuzz:a"}, {"GETRANGE", "fuzz:a", "0", "2"}, {"EXISTS", "fuzz:a", "fuzz:b"},
        {"SETRANGE", "fuzz:b", "3", "xy"}, {"ECHO", "payload with spaces"}, {"PING"}, {"PING", "pong?"},
        {"DEL", "fuzz:b"}, {"TYPE", "fuzz:a"}, {"SETNX", "fuzz:c", "1"}, {"GETSET", "fuzz:c", "2"},
        {"DECR", "fuzz:n"}, {"MGET", "fuzz:a", "fuzz:n"},
    };

    @BeforeAll
    static void start() throws Exception {
        // Small bulk limit, so mutated lengths hit the limit path as well as the normal one.
        node = InProcessNode.start(Map.of("proto-max-bulk-len", "1mb"));
        if (RedisServerProcess.available()) {
            redis = RedisServerProcess.start("--proto-max-bulk-len", "1mb");
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

    @Test
    void randomAndMutatedFrames() throws Exception {
        Exchange.put(node.port(), "sentinel", "intact");
        if (redis != null) {
            Exchange.put(redis.port(), "sentinel", "intact");
        }
        Random random = new Random(SEED);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] payload = switch (random.nextInt(4)) {
                case 0 -> randomBytes(random);
                case 1 -> inlineNoise(random);
                default -> mutate(random, validPipeline(random));
            };
            String where = "seed=" + SEED + " iteration=" + i + " payload=" + show(payload);
            Exchange ours = Exchange.send(node.port(), payload, CLOSE_WAIT_MILLIS, true);
            assertThat(ours.closedByServer()).as("server closed after EOF within 2 s; " + where).isTrue();
            if (redis != null) {
                Exchange theirs = Exchange.send(redis.port(), payload, CLOSE_WAIT_MILLIS, true);
                assertThat(show(ours.reply())).as("reply vs redis-server; " + where).isEqualTo(show(theirs.reply()));
            }
            if (i % 50 == 49) {
                Exchange.assertHealthy(node.port(), "sentinel", "intact");
            }
        }
        Exchange.assertHealthy(node.port(), "sentinel", "intact");
        try (RawRespClient c = new RawRespClient(node.port())) {
            assertThat(c.callString("CLIENT", "LIST")).doesNotContain("qbuf=" + Integer.MAX_VALUE);
        }
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[1 + r.nextInt(300)];
        r.nextBytes(b);
        noNul(b);
        // Bias towards protocol characters so the parser gets past the first byte.
        String alphabet = "*$\r\n-0123456789 \"'\\x";
        for (int i = 0; i < b.length; i++) {
            if (r.nextInt(3) == 0) {
                b[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
            }
        }
        return b;
    }

    /**
     * Redis 7.0 finds the end of an inline request with strchr, so a NUL byte before the '\n'
     * hides the newline and Redis waits for more input, while RingKV (memchr semantics) runs
     * the line. That quirk is not worth copying, so NUL is kept out of fuzzed inline input.
     */
    private static void noNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                b[i] = 1;
            }
        }
    }

    private static byte[] inlineNoise(Random r) {
        String[] words = {"GET", "SET", "ECHO", "PING", "fuzz:a", "\"quoted", "'single'", "\"x\\x4", "\\", "\"\"", "''", "\"a\"b", "\t", "  "};
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            sb.append(words[r.nextInt(words.length)]);
            sb.append(r.nextBoolean() ? " " : "");
        }
        sb.append(r.nextBoolean() ? "\r\n" : "\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] validPipeline(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            out.writeBytes(RawRespClient.command(CORPUS[r.nextInt(CORPUS.length)]));
        }
        return out.toByteArray();
    }

    private static byte[] mutate(Random r, byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = in.clone();
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int pos = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[pos] = (byte) (1 + r.nextInt(255)); // random byte (not NUL: see noNul)
                case 1 -> b[pos] = (byte) "*$\r\n-0:".charAt(r.nextInt(7)); // protocol byte
                case 2 -> b = java.util.Arrays.copyOf(b, Math.max(1, pos)); // truncate
                case 3 -> { // duplicate a slice
                    int len = Math.min(b.length - pos, 1 + r.nextInt(10));
                    byte[] grown = new byte[b.length + len];
                    System.arraycopy(b, 0, grown, 0, pos + len);
                    System.arraycopy(b, pos, grown, pos + len, b.length - pos);
                    b = grown;
                }
                default -> { // change a length digit
                    for (int i = pos; i < b.length - 1; i++) {
                        if ((b[i] == '*' || b[i] == '$') && Character.isDigit(b[i + 1])) {
                            b[i + 1] = (byte) ('0' + r.nextInt(10));
                            break;
                        }
                    }
                }
            }
        }
        out.writeBytes(b);
        return out.toByteArray();
    }
}
