package io.ringkv.compat.diff;

import io.ringkv.compat.harness.RawRespClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs corpus blocks against two servers over raw sockets and collects every reply that
 * differs, with the command and both replies escaped, so one run reports all mismatches of a
 * block rather than stopping at the first.
 */
public final class DifferentialRunner {
    /** How long to wait for one reply by default; a server that stays silent longer is a mismatch. */
    private static final int REPLY_TIMEOUT_MILLIS = 3000;
    /** How long to wait for a server to close a connection it should close. */
    private static final int CLOSE_TIMEOUT_MILLIS = 1000;
    private static final int DISPLAY_BYTES_MAX = 400;

    private final int redisPort;
    private final int ringkvPort;
    private final int replyTimeoutMillis;

    public DifferentialRunner(int redisPort, int ringkvPort) {
        this(redisPort, ringkvPort, REPLY_TIMEOUT_MILLIS);
    }

    /**
     * With a longer reply timeout, for a RingKV side whose replies take more hops (a cluster of
     * processes sharing the machine's cores).
     */
    public DifferentialRunner(int redisPort, int ringkvPort, int replyTimeoutMillis) {
        this.redisPort = redisPort;
        this.ringkvPort = ringkvPort;
        this.replyTimeoutMillis = replyTimeoutMillis;
    }

    /** The outcome of one block: mismatches (bugs) and intended differences exercised. */
    public record Outcome(List<String> mismatches, List<String> differences, int commands) {}

    public Outcome run(Corpus.Block block) throws IOException, InterruptedException {
        List<String> mismatches = new ArrayList<>();
        List<String> differences = new ArrayList<>();
        int[] commands = {0};
        Pair pair = Pair.open(redisPort, ringkvPort, replyTimeoutMillis);
        try {
            // Every block starts from an empty keyspace on a fresh connection.
            compareOne(pair, null, new Corpus.Command(new byte[][] {bytes("FLUSHALL")}, Corpus.Mode.EXACT, 0, java.util.Set.of()),
                    block.file() + ":" + block.line() + " (block setup)", block, mismatches);
            for (Corpus.Step step : block.steps()) {
                boolean ok = runStep(pair, block, step, mismatches, differences, commands);
                if (!ok) {
                    // A reply went missing or arrived late: the streams may be out of step, so
                    // continue the block on new connections rather than misattribute replies.
                    pair.close();
                    pair = Pair.open(redisPort, ringkvPort, replyTimeoutMillis);
                }
            }
        } finally {
            pair.close();
        }
        return new Outcome(mismatches, differences, commands[0]);
    }

    /** Returns false when the connections can no longer be trusted to be in step. */
    private boolean runStep(Pair pair, Corpus.Block block, Corpus.Step step, List<String> mismatches,
            List<String> differences, int[] commands) throws IOException, InterruptedException {
        switch (step.kind()) {
            case SLEEP -> {
                Thread.sleep(step.sleepMillis());
                return true;
            }
            case CLOSED -> {
                commands[0]++;
                pair.redis.setTimeoutMillis(CLOSE_TIMEOUT_MILLIS);
                pair.ringkv.setTimeoutMillis(CLOSE_TIMEOUT_MILLIS);
                boolean redisClosed = pair.redis.isClosedByServer();
                boolean ringkvClosed = pair.ringkv.isClosedByServer();
                if (redisClosed != ringkvClosed) {
                    mismatches.add(header(block, step) + "\n  expected both servers to close the connection"
                            + "\n  redis : " + (redisClosed ? "closed" : "still open")
                            + "\n  ringkv: " + (ringkvClosed ? "closed" : "still open"));
                }
                return false; // reconnect
            }
            case RAW -> {
                commands[0]++;
                pair.send(step.raw());
                for (int i = 0; i < step.replies(); i++) {
                    Read a = pair.readRedis();
                    Read b = pair.readRingKv();
                    if (!Arrays.equals(a.bytes, b.bytes) || a.failure != null || b.failure != null) {
                        if (a.failure != null && a.failure.equals(b.failure)) {
                            continue; // both closed the connection: the same behaviour
                        }
                        mismatches.add(header(block, step) + "\n  sent  : " + Reply.escape(step.raw(), DISPLAY_BYTES_MAX)
                                + (step.replies() > 1 ? "\n  reply #" + (i + 1) : "")
                                + "\n  redis : " + a.display() + "\n  ringkv: " + b.display());
                        if (a.failure != null || b.failure != null) {
                            return false;
                        }
                    }
                }
                return true;
            }
            case SCAN_ALL -> {
                commands[0]++;
                byte[][] options = step.commands().get(0).args();
                String a = scanAll(pair.redis, options);
                String b = scanAll(pair.ringkv, options);
                if (!a.equals(b)) {
                    mismatches.add(header(block, step) + "\n  redis : " + a + "\n  ringkv: " + b);
                }
                return true;
            }
            case KNOWN_BUG -> {
                commands[0]++;
                Corpus.Command c = step.commands().get(0);
                pair.send(RawRespClient.command(c.args()));
                Read a = pair.readRedis();
                Read b = pair.readRingKv();
                String text = header(block, step) + "\n  command: " + c.display() + "\n  redis : " + a.display()
                        + "\n  ringkv: " + b.display();
                if (a.failure == null && b.failure == null && Arrays.equals(a.bytes, b.bytes)) {
                    mismatches.add(text + "\n  the known bug is fixed: make this a plain line");
                } else {
                    differences.add(text + " [known bug]");
                }
                return a.failure == null && b.failure == null;
            }
            case DIFFERS -> {
                commands[0]++;
                Corpus.Command c = step.commands().get(0);
                pair.send(RawRespClient.command(c.args()));
                Read a = pair.readRedis();
                Read b = pair.readRingKv();
                String text = header(block, step) + " [intended: " + step.difference().id() + "]\n  command: " + c.display()
                        + "\n  redis : " + a.display() + "\n  ringkv: " + b.display();
                if (step.expectedRingKv() != null && !Arrays.equals(step.expectedRingKv(), b.bytes)) {
                    mismatches.add(text + "\n  expected ringkv: " + Reply.escape(step.expectedRingKv(), DISPLAY_BYTES_MAX));
                } else {
                    differences.add(text);
                }
                return a.failure == null && b.failure == null;
            }
            case COMMANDS -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (Corpus.Command c : step.commands()) {
                    all.writeBytes(RawRespClient.command(c.args()));
                }
                pair.send(all.toByteArray());
                for (Corpus.Command c : step.commands()) {
                    commands[0]++;
                    if (!compareRead(pair, c, step.where(), block, mismatches)) {
                        return false;
                    }
                }
                return true;
            }
            default -> throw new IllegalStateException("unknown step " + step.kind());
        }
    }

    /** Iterations of one full SCAN before it counts as not terminating. */
    private static final int SCAN_CALLS_MAX = 10_000;

    /**
     * Runs SCAN from cursor 0 until the cursor is 0 again and returns the sorted set of keys
     * (SCAN may return a key twice), or the first error, or why iteration failed. Cursor values
     * and page sizes are each server's own business; the keys an iteration yields are not.
     */
    private static String scanAll(RawRespClient c, byte[][] options) {
        java.util.TreeSet<String> keys = new java.util.TreeSet<>();
        String cursor = "0";
        for (int call = 0; call < SCAN_CALLS_MAX; call++) {
            byte[][] args = new byte[options.length + 2][];
            args[0] = bytes("SCAN");
            args[1] = bytes(cursor);
            System.arraycopy(options, 0, args, 2, options.length);
            Reply r;
            try {
                c.send(RawRespClient.command(args));
                r = Reply.parse(c.readReply());
            } catch (IOException e) {
                return "<" + e.getClass().getSimpleName() + " after " + call + " calls>";
            }
            if (r.type == '-') {
                return "-" + r.head;
            }
            if (r.type != '*' || r.children.size() != 2 || r.children.get(0).body == null) {
                return "<malformed SCAN reply " + Reply.escape(r.toBytes(), DISPLAY_BYTES_MAX) + ">";
            }
            for (Reply k : r.children.get(1).children) {
                keys.add(Reply.escape(k.body, Integer.MAX_VALUE));
            }
            cursor = new String(r.children.get(0).body, StandardCharsets.US_ASCII);
            if (cursor.equals("0")) {
                return keys.toString();
            }
        }
        return "<SCAN did not finish in " + SCAN_CALLS_MAX + " calls>";
    }

    private void compareOne(Pair pair, Corpus.Step step, Corpus.Command c, String where, Corpus.Block block,
            List<String> mismatches) throws IOException {
        pair.send(RawRespClient.command(c.args()));
        compareRead(pair, c, where, block, mismatches);
    }

    private boolean compareRead(Pair pair, Corpus.Command c, String where, Corpus.Block block, List<String> mismatches) {
        Read a = pair.readRedis();
        Read b = pair.readRingKv();
        if (a.failure != null || b.failure != null) {
            if (a.failure != null && a.failure.equals(b.failure)) {
                return false; // the same failure (e.g. both closed): not a difference
            }
            mismatches.add(where + " [" + block.name() + "]\n  command: " + c.display() + "\n  redis : " + a.display()
                    + "\n  ringkv: " + b.display());
            return false;
        }
        if (!equal(c, a.bytes, b.bytes)) {
            mismatches.add(where + " [" + block.name() + "]" + (c.mode() == Corpus.Mode.EXACT ? "" : " (compared " + c.mode() + ")")
                    + "\n  command: " + c.display() + "\n  redis : " + a.display() + "\n  ringkv: " + b.display());
        }
        return true;
    }

    private static boolean equal(Corpus.Command c, byte[] redis, byte[] ringkv) {
        if (c.mode() == Corpus.Mode.EXACT) {
            return Arrays.equals(redis, ringkv);
        }
        Reply x = Reply.parse(redis);
        Reply y = Reply.parse(ringkv);
        return switch (c.mode()) {
            case SORTED -> Arrays.equals(x.sorted().toBytes(), y.sorted().toBytes());
            case SHAPE -> Arrays.equals(x.shape().toBytes(), y.shape().toBytes());
            case MASK -> Arrays.equals(x.masked(c.maskFields()).toBytes(), y.masked(c.maskFields()).toBytes());
            case APPROX -> x.approximatelyEquals(y, c.tolerance());
            case EXACT -> throw new IllegalStateException();
        };
    }

    private static String header(Corpus.Block block, Corpus.Step step) {
        return step.where() + " [" + block.name() + "] " + step.source();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A reply's bytes, or why there is none (timeout, connection closed). */
    private record Read(byte[] bytes, String failure) {
        String display() {
            return failure != null ? "<" + failure + ">" : Reply.escape(bytes, DISPLAY_BYTES_MAX);
        }
    }

    /** One connection to each server, used in lock step. */
    private static final class Pair implements AutoCloseable {
        final RawRespClient redis;
        final RawRespClient ringkv;
        final int timeoutMillis;

        private Pair(RawRespClient redis, RawRespClient ringkv, int timeoutMillis) {
            this.redis = redis;
            this.ringkv = ringkv;
            this.timeoutMillis = timeoutMillis;
        }

        static Pair open(int redisPort, int ringkvPort, int timeoutMillis) throws IOException {
            RawRespClient a = new RawRespClient(redisPort);
            RawRespClient b = new RawRespClient(ringkvPort);
            a.setTimeoutMillis(timeoutMillis);
            b.setTimeoutMillis(timeoutMillis);
            return new Pair(a, b, timeoutMillis);
        }

        void send(byte[] raw) {
            // A server may already have closed the connection (after QUIT or a protocol error);
            // the following read reports that, so a failed write is not an error by itself.
            try {
                redis.send(raw);
            } catch (IOException ignoredBecauseReadReports) {
                // reported by the read that follows
            }
            try {
                ringkv.send(raw);
            } catch (IOException ignoredBecauseReadReports) {
                // reported by the read that follows
            }
        }

        Read readRedis() {
            return read(redis);
        }

        Read readRingKv() {
            return read(ringkv);
        }

        private Read read(RawRespClient c) {
            try {
                return new Read(c.readReply(), null);
            } catch (java.net.SocketTimeoutException e) {
                return new Read(null, "no reply within " + timeoutMillis + " ms");
            } catch (IOException e) {
                // EOF or reset: either way the server closed the connection.
                return new Read(null, "connection closed");
            }
        }

        @Override
        public void close() throws IOException {
            try {
                redis.close();
            } finally {
                ringkv.close();
            }
        }
    }
}
