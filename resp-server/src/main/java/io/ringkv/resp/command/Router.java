package io.ringkv.resp.command;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringkv.common.WireReader;
import io.ringkv.common.ByteSink;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.coordinator.ClusterService;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.transport.PeerUnreachableException;
import io.ringkv.ring.transport.Verb;
import io.ringkv.resp.protocol.Request;
import io.ringkv.resp.protocol.RespWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends each keyed command to the node that coordinates its keys. A command whose keys share
 * a partition goes whole to that partition's coordinator (or runs here when that is this
 * node); MGET, MSET, DEL, UNLINK and EXISTS over several partitions are split into one
 * single-key command per key, sent in one batch per coordinator, and their replies combined.
 *
 * <p>A forwarded batch carries the client's protocol version and consistency levels; the
 * coordinator runs it through the same command table and returns the reply bytes, which this
 * node writes to the client unchanged (one hop there, one back).
 */
public final class Router {
    private static final int FORWARD_FORMAT = 1;
    /** Time a forward waits beyond the coordinator's own two replica rounds. */
    private static final long FORWARD_TIMEOUT_MARGIN_MILLIS = 1000;
    /** Arguments per forwarded request and requests per batch a peer may send. */
    private static final int FORWARD_ARGS_MAX = 1 << 20;

    private final ServerContext server;

    public Router(ServerContext server) {
        this.server = server;
        server.messaging().register(Verb.FORWARD, (from, payload) -> serveForwarded(payload));
    }

    private static boolean fansOut(String name) {
        return switch (name) {
            case "mget", "mset", "del", "unlink", "exists" -> true;
            default -> false;
        };
    }

    /** Key argument positions of a request, per the command's key spec. */
    static int[] keyPositions(CommandSpec spec, int argc) {
        if (spec.firstKey() <= 0) {
            return new int[0];
        }
        int last = spec.lastKey() < 0 ? argc + spec.lastKey() : spec.lastKey();
        int step = Math.max(1, spec.step());
        int n = last < spec.firstKey() ? 0 : (last - spec.firstKey()) / step + 1;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = spec.firstKey() + i * step;
        }
        return out;
    }

    /**
     * Routes a validated request. Returns false when it should run here (this node coordinates
     * its keys, the cluster has one node, or the handler must answer, e.g. CROSSSLOT).
     */
    boolean route(CommandContext ctx, CommandSpec spec, Request req, RespWriter out) {
        ClusterService cluster = server.cluster();
        if (ctx.isForwarded() || cluster.membership().ring().members().size() == 1) {
            return false;
        }
        int[] keys = keyPositions(spec, req.argc());
        if (keys.length == 0 || keys[keys.length - 1] >= req.argc()) {
            return false;
        }
        Partitioner partitioner = cluster.membership().ring().partitioner();
        int partition = partitioner.partitionOf(req.arg(keys[0]));
        boolean onePartition = true;
        for (int k : keys) {
            if (partitioner.partitionOf(req.arg(k)) != partition) {
                onePartition = false;
                break;
            }
        }
        boolean readOnly = spec.has(CommandFlag.READONLY);
        if (onePartition) {
            NodeId coordinator = target(partition, readOnly, ctx.consistency());
            if (coordinator.equals(cluster.self())) {
                return false;
            }
            ctx.reply(out, forward(coordinator, ctx.protocol(), ctx.consistency(), List.of(req), true).thenApply(l -> l.get(0)),
                    (bytes, w) -> w.raw(bytes));
            return true;
        }
        if (!fansOut(spec.name()) || (spec.name().equals("mset") && req.argc() % 2 == 0)) {
            return false;
        }
        fanOut(ctx, spec.name(), readOnly, req, keys, out);
        return true;
    }

    /**
     * Where a command on {@code partition} runs: its coordinator, which serialises the key's
     * writes. A read is coordinated here instead when this node is one of the key's replicas
     * and the connection's levels overlap (R + W > N): its read quorum then meets every write
     * quorum wherever that write was coordinated, and it saves a hop. Otherwise (a read at ONE,
     * or writes at ONE) it goes to the coordinator, which applied the key's latest writes
     * itself, so a connection still sees its own writes.
     */
    private NodeId target(int partition, boolean readOnly, Consistency cl) {
        ClusterService cluster = server.cluster();
        if (readOnly) {
            List<NodeId> pref = cluster.membership().ring().preferenceList(partition);
            int n = pref.size();
            if (cl.read().required(n) + cl.write().required(n) > n && pref.contains(cluster.self())) {
                return cluster.self();
            }
        }
        return cluster.coordinatorOfPartition(partition);
    }

    private void fanOut(CommandContext ctx, String name, boolean readOnly, Request req, int[] keys, RespWriter out) {
        ClusterService cluster = server.cluster();
        byte[] subName = (name.equals("mget") ? "get" : name.equals("mset") ? "set" : name).getBytes(StandardCharsets.US_ASCII);
        List<Request> subs = new ArrayList<>(keys.length);
        Map<NodeId, List<Integer>> byNode = new LinkedHashMap<>();
        for (int k : keys) {
            List<byte[]> args = name.equals("mset") ? List.of(subName, req.arg(k), req.arg(k + 1)) : List.of(subName, req.arg(k));
            int partition = cluster.membership().ring().partitioner().partitionOf(req.arg(k));
            byNode.computeIfAbsent(target(partition, readOnly, ctx.consistency()), n -> new ArrayList<>()).add(subs.size());
            subs.add(new Request(args));
        }
        byte[][] replies = new byte[subs.size()][];
        List<CompletableFuture<Void>> parts = new ArrayList<>(byNode.size());
        for (Map.Entry<NodeId, List<Integer>> e : byNode.entrySet()) {
            List<Request> batch = new ArrayList<>(e.getValue().size());
            for (int i : e.getValue()) {
                batch.add(subs.get(i));
            }
            CompletableFuture<List<byte[]>> f = e.getKey().equals(cluster.self())
                    ? executeHere(ctx.protocol(), ctx.consistency(), batch)
                    : forward(e.getKey(), ctx.protocol(), ctx.consistency(), batch, true);
            parts.add(f.thenAccept(rs -> {
                for (int j = 0; j < rs.size(); j++) {
                    replies[e.getValue().get(j)] = rs.get(j);
                }
            }));
        }
        ctx.reply(out, CompletableFuture.allOf(parts.toArray(new CompletableFuture[0])), (v, w) -> combine(name, replies, w));
    }

    /** Joins per-key replies into the multi-key command's reply; a failed key fails the command. */
    private static void combine(String name, byte[][] replies, RespWriter w) {
        for (byte[] r : replies) {
            if (r.length > 0 && r[0] == '-' && !(name.equals("mget") && startsWith(r, "-WRONGTYPE"))) {
                w.raw(r);
                return;
            }
        }
        switch (name) {
            case "mget" -> {
                w.arrayHeader(replies.length);
                for (byte[] r : replies) {
                    if (r[0] == '-') {
                        w.nullBulk();
                    } else {
                        w.raw(r);
                    }
                }
            }
            case "mset" -> w.ok();
            default -> {
                long n = 0;
                for (byte[] r : replies) {
                    n += parseInteger(r);
                }
                w.integer(n);
            }
        }
    }

    private static boolean startsWith(byte[] b, String prefix) {
        return b.length >= prefix.length() && new String(b, 0, prefix.length(), StandardCharsets.US_ASCII).equals(prefix);
    }

    private static long parseInteger(byte[] reply) {
        if (reply.length < 4 || reply[0] != ':') {
            throw new IllegalStateException("expected an integer reply, got " + new String(reply, StandardCharsets.ISO_8859_1).trim());
        }
        return Long.parseLong(new String(reply, 1, reply.length - 3, StandardCharsets.US_ASCII));
    }

    /**
     * Sends requests to their coordinator. A coordinator found unreachable before the request
     * was sent is marked down and the batch re-routed once (safe: it never ran there).
     */
    private CompletableFuture<List<byte[]>> forward(NodeId to, int protocol, Consistency cl, List<Request> reqs, boolean retry) {
        server.forwardedRequests().add(reqs.size());
        ClusterService cluster = server.cluster();
        // The coordinator may itself wait a request timeout for a read and another for the write.
        long timeoutMillis = 2 * cluster.settings().requestTimeoutMillis() + FORWARD_TIMEOUT_MARGIN_MILLIS;
        byte[] payload = encode(protocol, cl, reqs);
        return server.messaging().request(to, Verb.FORWARD, payload, timeoutMillis).handle((bytes, err) -> {
            if (err == null) {
                cluster.membership().reportSuccess(to);
                return CompletableFuture.completedFuture(decodeReplies(bytes, reqs.size()));
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (retry && cause instanceof PeerUnreachableException) {
                cluster.membership().reportUnreachable(to);
                NodeId next = cluster.coordinatorFor(reqs.get(0).arg(1));
                if (!next.equals(to)) {
                    return next.equals(cluster.self()) ? executeHere(protocol, cl, reqs) : forward(next, protocol, cl, reqs, false);
                }
            }
            return CompletableFuture.<List<byte[]>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private static byte[] encode(int protocol, Consistency cl, List<Request> reqs) {
        ByteSink w = new ByteSink(64).writeByte(FORWARD_FORMAT).writeByte(protocol).writeByte(cl.read().ordinal()).writeByte(cl.write().ordinal()).writeVarLong(reqs.size());
        for (Request r : reqs) {
            w.writeVarLong(r.argc());
            for (byte[] a : r.args()) {
                w.writeLengthPrefixed(a);
            }
        }
        return w.toByteArray();
    }

    private static List<byte[]> decodeReplies(byte[] bytes, int expected) {
        WireReader r = new WireReader(bytes);
        int n = r.length(FORWARD_ARGS_MAX);
        if (n != expected) {
            throw new IllegalStateException("coordinator sent " + n + " replies for " + expected + " requests");
        }
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(r.bytes());
        }
        r.expectEnd();
        return out;
    }

    private CompletableFuture<byte[]> serveForwarded(byte[] payload) {
        WireReader r = new WireReader(payload);
        if (r.u8() != FORWARD_FORMAT) {
            throw new IllegalArgumentException("unknown forward format");
        }
        int protocol = r.u8();
        ConsistencyLevel[] levels = ConsistencyLevel.values();
        int read = r.u8();
        int write = r.u8();
        if (protocol < 2 || protocol > 3 || read >= levels.length || write >= levels.length) {
            throw new IllegalArgumentException("bad forward header");
        }
        int n = r.length(FORWARD_ARGS_MAX);
        List<Request> reqs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int argc = r.length(FORWARD_ARGS_MAX);
            if (argc == 0) {
                throw new IllegalArgumentException("empty forwarded request");
            }
            List<byte[]> args = new ArrayList<>(argc);
            for (int a = 0; a < argc; a++) {
                args.add(r.bytes());
            }
            reqs.add(new Request(args));
        }
        r.expectEnd();
        server.forwardedReceived().add(n);
        return executeHere(protocol, new Consistency(levels[read], levels[write]), reqs).thenApply(replies -> {
            int size = 8;
            for (byte[] b : replies) {
                size += b.length + 5;
            }
            ByteSink w = new ByteSink(size).writeVarLong(replies.size());
            for (byte[] b : replies) {
                w.writeLengthPrefixed(b);
            }
            return w.toByteArray();
        });
    }

    /** Runs requests on this node (as their coordinator) and collects each one's reply bytes. */
    CompletableFuture<List<byte[]>> executeHere(int protocol, Consistency cl, List<Request> reqs) {
        CommandContext ctx = CommandContext.forwarded(server, protocol, cl);
        List<CompletableFuture<byte[]>> replies = new ArrayList<>(reqs.size());
        for (Request req : reqs) {
            ByteBuf buf = Unpooled.buffer(64);
            RespWriter w = new RespWriter(buf, protocol);
            server.commands().dispatch(ctx, req, w);
            Deferred<?> d = ctx.takeDeferred();
            if (d == null) {
                replies.add(CompletableFuture.completedFuture(bytes(buf)));
            } else {
                replies.add(d.future().handle((v, e) -> {
                    d.render(w);
                    return bytes(buf);
                }));
            }
        }
        return collect(replies);
    }

    /**
     * The replies in request order once all are done: one counter instead of
     * {@code allOf(...).thenApply(...)}, which builds a tree of n - 1 relay completions per
     * forwarded batch (the largest allocation site on a forwarding node).
     */
    private static CompletableFuture<List<byte[]>> collect(List<CompletableFuture<byte[]>> replies) {
        int n = replies.size();
        if (n == 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        if (n == 1) {
            return replies.get(0).thenApply(List::of);
        }
        CompletableFuture<List<byte[]>> all = new CompletableFuture<>();
        byte[][] out = new byte[n][];
        // Each slot is written before the decrement that publishes it to the last completion.
        AtomicInteger remaining = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            int slot = i;
            replies.get(i).whenComplete((bytes, err) -> {
                if (err != null) {
                    all.completeExceptionally(err);
                    return;
                }
                out[slot] = bytes;
                if (remaining.decrementAndGet() == 0) {
                    all.complete(Arrays.asList(out));
                }
            });
        }
        return all;
    }

    private static byte[] bytes(ByteBuf buf) {
        return buf.hasArray() && buf.arrayOffset() == 0 && buf.readerIndex() == 0 && buf.writerIndex() == buf.array().length
                ? buf.array() : Arrays.copyOfRange(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.arrayOffset() + buf.writerIndex());
    }
}
