package io.ringkv.ring.sim;

import io.ringkv.common.WireReader;
import io.ringkv.common.ByteSink;
import io.ringkv.ring.Change;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.UnavailableException;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The client-facing half of a node, as production's {@code Router} does it: a command sent to
 * any node goes to its key's coordinator ({@link ClusterService#coordinatorFor}, by that
 * node's own view of who is alive) over the network as a FORWARD request, or runs locally
 * when this node is the coordinator. When the coordinator turns out to be unreachable, the
 * entry node marks it down and re-routes once.
 *
 * <p>Like production, the simulator re-routes only refused connections (the command certainly
 * did not run); a connection lost with the command outstanding fails it with
 * {@code ConnectionLostException}, since it may have run. {@code retryLostForwards} true
 * reproduces the earlier, wrong policy of re-routing those too (it ran INCRs twice).
 *
 * <p>The FORWARD payload is the operation's id: the operation's description is immutable
 * client-side data in the simulator's table, so naming it is equivalent to serialising it.
 * The reply is the outcome, encoded, so it travels like any other message.
 */
final class SimRouter {
    private final Map<NodeId, SimNode> nodes;
    private final Map<Long, Op> opTable;
    private final HistoryChecker checker;
    private final boolean retryLostForwards;

    SimRouter(Map<NodeId, SimNode> nodes, Map<Long, Op> opTable, HistoryChecker checker, boolean retryLostForwards) {
        this.nodes = nodes;
        this.opTable = opTable;
        this.checker = checker;
        this.retryLostForwards = retryLostForwards;
    }

    /** Registers the FORWARD verb on a freshly started node. */
    void install(SimNode node) {
        node.endpoint().register(Verb.FORWARD, (from, payload) -> {
            WireReader r = new WireReader(payload);
            Op op = opTable.get(r.u64());
            r.expectEnd();
            if (op == null) {
                throw new IllegalArgumentException("unknown operation");
            }
            return execute(node, op).thenApply(Outcome::encode);
        });
    }

    /** The client sent {@code op} to {@code entry}. */
    CompletableFuture<Outcome> submit(SimNode entry, Op op) {
        NodeId coordinator = entry.cluster().coordinatorFor(op.keyBytes());
        return coordinator.equals(entry.id) ? execute(entry, op) : forward(entry, coordinator, op, true);
    }

    private CompletableFuture<Outcome> forward(SimNode entry, NodeId to, Op op, boolean retry) {
        byte[] payload = new ByteSink(8).writeLong(op.id).toByteArray();
        return entry.endpoint().request(to, Verb.FORWARD, payload, SimConfig.FORWARD_TIMEOUT_MILLIS).handle((bytes, err) -> {
            if (err == null) {
                entry.membership().reportSuccess(to);
                return CompletableFuture.completedFuture(Outcome.decode(bytes));
            }
            Throwable cause = unwrap(err);
            boolean neverRan = cause instanceof SimNetwork.ConnectionRefusedException;
            boolean mayHaveRun = cause instanceof io.ringkv.ring.transport.ConnectionLostException;
            if (retry && (neverRan || (mayHaveRun && retryLostForwards))) {
                entry.membership().reportUnreachable(to);
                NodeId next = entry.cluster().coordinatorFor(op.keyBytes());
                if (!next.equals(to)) {
                    return next.equals(entry.id) ? execute(entry, op) : forward(entry, next, op, false);
                }
            }
            return CompletableFuture.completedFuture(Outcome.failure(cause));
        }).thenCompose(f -> f);
    }

    /** Runs {@code op} at {@code node} as its coordinator. Never fails: failures become outcomes. */
    CompletableFuture<Outcome> execute(SimNode node, Op op) {
        ClusterService cluster = node.cluster();
        byte[] key = op.keyBytes();
        long now = node.clock.currentTimeMillis();
        if (op.context != null) {
            checker.clientContext(node.id, op);
        }
        CompletableFuture<Outcome> f;
        try {
            f = switch (op.kind) {
                case GET -> cluster.get(key, op.consistency).thenApply(Outcome::ofRecord);
                case CAUSAL_GET -> cluster.causalGet(key, op.consistency).thenApply(Outcome::ofSiblings);
                case PUT -> cluster.put(key, value(op.token(), now), op.consistency).thenApply(v -> Outcome.OK);
                case CAUSAL_PUT -> cluster.causalPut(key, op.context, value(op.token(), now), op.consistency).thenApply(Outcome::ofSiblings);
                case CAUSAL_DELETE -> causalDelete(node, op, now);
                case APPEND -> cluster.update(key, (current, nowMillis) -> {
                    checker.readModifyWrite(node.id, op, seen(op.key, current), op.keys);
                    return Change.put(value(appended(current, op), nowMillis), null);
                }, op.consistency).thenApply(v -> Outcome.OK);
                case DELETE -> cluster.update(key, (current, nowMillis) -> {
                    checker.readModifyWrite(node.id, op, seen(op.key, current), current == null ? List.of() : op.keys);
                    return current == null ? Change.<Void>keep(null) : Change.<Void>delete(null);
                }, op.consistency).thenApply(v -> Outcome.OK);
                case APPEND_ALL -> cluster.updateAll(op.keyList(), (current, nowMillis) -> {
                    Map<String, Record> seen = new TreeMap<>();
                    List<Change<Void>> changes = new ArrayList<>();
                    for (int i = 0; i < op.keys.size(); i++) {
                        seen.put(op.keys.get(i), current.get(i));
                        changes.add(Change.put(value(appended(current.get(i), op), nowMillis), null));
                    }
                    checker.readModifyWrite(node.id, op, seen, op.keys);
                    return new MultiKeyUpdate.Result<>(changes, null);
                }, op.consistency).thenApply(v -> Outcome.OK);
            };
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.handle((o, err) -> err == null ? o : Outcome.failure(unwrap(err)));
    }

    private CompletableFuture<Outcome> causalDelete(SimNode node, Op op, long now) {
        checker.causalDeleteQueued(node.id, op);
        CompletableFuture<Siblings> f;
        try {
            f = node.cluster().causalPut(op.keyBytes(), op.context, Record.tombstone(now), op.consistency);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f.isCompletedExceptionally()) {
            // Refused before anything was stored (unavailable): it will never be stored.
            checker.causalDeleteRefused(node.id, op);
        }
        return f.thenApply(Outcome::ofSiblings);
    }

    private static Map<String, Record> seen(String key, Record current) {
        Map<String, Record> m = new TreeMap<>();
        m.put(key, current);
        return m;
    }

    /** The value an append writes: what it read, then its token. */
    private static String appended(Record current, Op op) {
        return current == null ? op.token() : Op.text(current) + "," + op.token();
    }

    private static Record value(String text, long nowMillis) {
        return Record.string(text.getBytes(StandardCharsets.US_ASCII), nowMillis, Record.NO_EXPIRY);
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** What a client gets back: an acknowledgement with its result, or a failure. */
    record Outcome(Op.Status status, Record record, Siblings siblings, String failure) {
        static final Outcome OK = new Outcome(Op.Status.OK, null, null, null);
        private static final int NONE = 0;
        private static final int RECORD = 1;
        private static final int SIBLINGS = 2;

        static Outcome ofRecord(Record r) {
            return new Outcome(Op.Status.OK, r, null, null);
        }

        static Outcome ofSiblings(Siblings s) {
            return new Outcome(Op.Status.OK, null, s, null);
        }

        static Outcome failure(Throwable cause) {
            Op.Status status = cause instanceof UnavailableException ? Op.Status.UNAVAILABLE : Op.Status.FAILED;
            return new Outcome(status, null, null, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }

        byte[] encode() {
            int kind = record != null ? RECORD : siblings != null ? SIBLINGS : NONE;
            byte[] body = record != null ? record.encoded() : siblings != null ? siblings.encode() : new byte[0];
            byte[] text = failure == null ? new byte[0] : failure.getBytes(StandardCharsets.UTF_8);
            return new ByteSink(body.length + text.length + 16).writeByte(status.ordinal()).writeByte(kind).writeLengthPrefixed(body).writeLengthPrefixed(text).toByteArray();
        }

        static Outcome decode(byte[] bytes) {
            WireReader r = new WireReader(bytes);
            Op.Status status = Op.Status.values()[r.u8()];
            int kind = r.u8();
            byte[] body = r.bytes();
            byte[] text = r.bytes();
            r.expectEnd();
            return new Outcome(status, kind == RECORD ? Record.decode(body) : null, kind == SIBLINGS ? Siblings.decode(body) : null,
                    status == Op.Status.OK ? null : new String(text, StandardCharsets.UTF_8));
        }
    }
}
