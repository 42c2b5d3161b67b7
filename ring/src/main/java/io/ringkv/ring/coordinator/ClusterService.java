package io.ringkv.ring.coordinator;

import io.ringkv.common.Clock;
import io.ringkv.common.WireReader;
import io.ringkv.common.ByteSink;
import io.ringkv.ring.Change;
import io.ringkv.ring.Consistency;
import io.ringkv.ring.ConsistencyLevel;
import io.ringkv.ring.KeyUpdate;
import io.ringkv.ring.KeyValueService;
import io.ringkv.ring.MultiKeyUpdate;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.QuorumTimeoutException;
import io.ringkv.ring.Record;
import io.ringkv.ring.ScanPage;
import io.ringkv.ring.UnavailableException;
import io.ringkv.ring.hints.HintStore;
import io.ringkv.ring.membership.Membership;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.Partitioner;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.replica.ReplicaStore;
import io.ringkv.ring.transport.MessagingService;
import io.ringkv.ring.transport.ConnectionLostException;
import io.ringkv.ring.transport.PeerUnreachableException;
import io.ringkv.ring.transport.ReconnectBackoffException;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The coordinator and replica endpoints of one node: runs quorum reads and writes for the keys
 * this node coordinates, and serves the replica verbs its peers send.
 *
 * <p>Writes: the coordinator applies the write event to its own replica under the key's lock
 * (so writes to a key through one coordinator are serialised and get increasing dots), then
 * sends the resulting sibling set to the other replicas, which merge it; success after W
 * acknowledgements. Reads: R replicas (all live ones with probability read-repair-chance)
 * answer with their sets; the merge is the answer; replicas that were behind receive the
 * merge in the background (read repair).
 *
 * <p>Sloppy quorum and hinted handoff (when built with a {@link HintStore}): a preference-list
 * node that membership believes down, or that refuses this write's connection, is replaced by
 * the next live node of the ring walk past the list not yet used for this write, which stores
 * the set as a hint for it ({@code HINT_WRITE}); that acknowledgement counts toward W when
 * {@link CoordinatorSettings#sloppyQuorum()} is on. With no such node, or when the fallback
 * fails, the coordinator keeps the hint itself, which counts only toward ANY (Cassandra). A
 * replica believed up that times out or fails also gets a hint kept by the coordinator (it
 * may have applied the write: hints are idempotent). Reads never consult fallbacks or hints.
 * Without a hint store, writes go to the preference list only.
 *
 * <p>Thread-safe: called from client and transport event loops at once. Never blocks on the
 * network; blocks only on the local storage engine.
 */
public final class ClusterService implements KeyValueService {
    private static final byte[] EMPTY = new byte[0];
    /** Largest SCAN page a peer may ask for in one SCAN_PAGE request. */
    private static final int SCAN_PAGE_COUNT_MAX = 100_000;

    private final NodeId self;
    private final Membership membership;
    private final MessagingService messaging;
    private final ReplicaStore store;
    private final Clock clock;
    private final RandomGenerator random;
    private final CoordinatorSettings settings;
    private final KeyLocks locks;
    /** Hints this node stores for others (as a fallback or a coordinator); null = no hinted handoff. */
    private final HintStore hints;
    private final LongAdder hintsSentToFallbacks = new LongAdder();
    private final LongAdder hintsKeptByCoordinator = new LongAdder();
    private final LongAdder pendingReplicaWrites = new LongAdder();
    private final LongAdder readRepairs = new LongAdder();
    private final LongAdder readRepairFailures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder unavailables = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder coordinatedReads = new LongAdder();
    private final LongAdder coordinatedWrites = new LongAdder();
    private final LongAdder inFlight = new LongAdder();

    /** A coordinator without hinted handoff: writes go to the preference list only. */
    public ClusterService(NodeId self, Membership membership, MessagingService messaging, ReplicaStore store, Clock clock,
            RandomGenerator random, CoordinatorSettings settings) {
        this(self, membership, messaging, store, clock, random, settings, null);
    }

    /**
     * @param hints where this node keeps hints for other nodes (an engine apart from the
     *     replica data); null disables sloppy quorum and hinted handoff
     */
    public ClusterService(NodeId self, Membership membership, MessagingService messaging, ReplicaStore store, Clock clock,
            RandomGenerator random, CoordinatorSettings settings, HintStore hints) {
        this.self = self;
        this.hints = hints;
        this.membership = membership;
        this.messaging = messaging;
        this.store = store;
        this.clock = clock;
        this.random = random;
        this.settings = settings;
        this.locks = new KeyLocks(settings.keyWaitersMax());
        if (self.id().length() > NodeId.MAX_LENGTH - 9) {
            throw new IllegalArgumentException("node id too long to name dots with a disk epoch (at most "
                    + (NodeId.MAX_LENGTH - 9) + " characters): " + self);
        }
        messaging.register(Verb.PING, (from, p) -> CompletableFuture.completedFuture(EMPTY));
        // The stored bytes as they are: the coordinator decodes the set anyway.
        messaging.register(Verb.REPLICA_READ, (from, p) -> CompletableFuture.completedFuture(store.readEncoded(p)));
        messaging.register(Verb.REPLICA_WRITE, (from, p) -> {
            WireReader r = new WireReader(p);
            byte[] key = r.bytes();
            byte[] set = r.bytes();
            r.expectEnd();
            // Given the bytes, the store can keep them as they are when the set supersedes its own.
            store.mergeEncoded(key, set);
            return CompletableFuture.completedFuture(EMPTY);
        });
        if (hints != null) {
            messaging.register(Verb.HINT_WRITE, (from, p) -> CompletableFuture.completedFuture(storeHint(p)));
        }
        messaging.register(Verb.SCAN_PAGE, (from, p) -> CompletableFuture.completedFuture(servePage(p)));
        messaging.register(Verb.NODE_STATS, (from, p) -> CompletableFuture.completedFuture(encodeCounts()));
        messaging.register(Verb.RANDOM_KEY, (from, p) -> {
            byte[] k = store.randomKey();
            return CompletableFuture.completedFuture(k == null ? EMPTY : new ByteSink(k.length + 2).writeByte(1).writeLengthPrefixed(k).toByteArray());
        });
        messaging.register(Verb.FLUSH, (from, p) -> {
            store.flush(new WireReader(p).u64());
            return CompletableFuture.completedFuture(EMPTY);
        });
    }

    public NodeId self() {
        return self;
    }

    /**
     * The name this node issues dots under: its id and its disk's dot epoch (see
     * {@link ReplicaStore#dotEpoch}), so a node back with an empty disk never reissues a dot.
     */
    private NodeId actor() {
        long epoch = store.dotEpoch();
        Actor a = actor;
        if (a == null || a.epoch != epoch) {
            a = new Actor(epoch, new NodeId(self.id() + "." + Long.toString(epoch, 36)));
            actor = a;
        }
        return a.id;
    }

    /** The dot name for one disk epoch, cached so a write does not build a new id. */
    private record Actor(long epoch, NodeId id) {}

    private volatile Actor actor;

    /**
     * {@code record} stamped no earlier than the last FLUSHALL this node applied. Replicas drop
     * incoming versions stamped before their flush time, which is the flushing node's clock:
     * a write coordinated after the flush by a node whose clock is behind would otherwise be
     * acknowledged and then dropped everywhere.
     */
    private Record notBeforeFlush(Record record) {
        long flushed = store.flushTimeMillis();
        return record.timestampMillis() >= flushed ? record : record.withExpiry(record.expireAtMillis(), flushed);
    }

    public Membership membership() {
        return membership;
    }

    public CoordinatorSettings settings() {
        return settings;
    }

    public ReplicaStore store() {
        return store;
    }

    private RingSnapshot ring() {
        return membership.ring();
    }

    /** The node that should coordinate {@code key}: the first live node of its preference list. */
    public NodeId coordinatorFor(byte[] key) {
        return coordinatorOfPartition(ring().partitioner().partitionOf(key));
    }

    public NodeId coordinatorOfPartition(int partition) {
        List<NodeId> pref = ring().preferenceList(partition);
        for (NodeId n : pref) {
            if (membership.isAlive(n)) {
                return n;
            }
        }
        return pref.get(0);
    }

    // ---------------------------------------------------------------- reads

    @Override
    public CompletableFuture<Record> get(byte[] key, Consistency cl) {
        return readQuorum(key, cl.read()).thenApply(s -> {
            Version w = s.winner(clock.currentTimeMillis());
            if (w == null || w.record().isTombstone()) {
                misses.increment();
                return null;
            }
            hits.increment();
            return w.record();
        });
    }

    @Override
    public CompletableFuture<Siblings> causalGet(byte[] key, Consistency cl) {
        return readQuorum(key, cl.read());
    }

    private CompletableFuture<Siblings> readQuorum(byte[] key, ConsistencyLevel level) {
        List<NodeId> pref = ring().preferenceList(key);
        int required = level.required(pref.size());
        List<NodeId> live = liveOf(pref);
        if (required > pref.size() || live.size() < required) {
            unavailables.increment();
            return CompletableFuture.failedFuture(new UnavailableException(level, "read", required, live.size()));
        }
        coordinatedReads.increment();
        // This node first (no network), then the rest in preference order.
        List<NodeId> targets = new ArrayList<>(live.size());
        if (live.contains(self)) {
            targets.add(self);
        }
        for (NodeId n : live) {
            if (!n.equals(self)) {
                targets.add(n);
            }
        }
        boolean all = settings.readRepairChance() > 0 && random.nextDouble() < settings.readRepairChance();
        List<NodeId> spares = List.of();
        if (!all && targets.size() > required) {
            spares = targets.subList(required, targets.size());
            targets = targets.subList(0, required);
        }
        if (targets.size() == 1 && targets.get(0).equals(self)) {
            // One local answer is the whole read (R=1 here, or a one-node cluster): no round.
            return CompletableFuture.completedFuture(store.read(key));
        }
        ReadRound round = new ReadRound(key, level, required, targets.size(), spares);
        for (NodeId t : targets) {
            round.ask(t);
        }
        return round.result;
    }

    private List<NodeId> liveOf(List<NodeId> nodes) {
        List<NodeId> live = new ArrayList<>(nodes.size());
        for (NodeId n : nodes) {
            if (membership.isAlive(n)) {
                live.add(n);
            }
        }
        return live;
    }

    private void noteFailure(NodeId peer, Throwable err) {
        Throwable t = unwrap(err);
        if (ReconnectBackoffException.isFreshUnreachable(t) || t instanceof ConnectionLostException) {
            membership.reportUnreachable(peer);
        }
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Two sets hold the same versions (record bytes may differ only by local expiry rewrites). */
    static boolean sameVersions(Siblings a, Siblings b) {
        if (!a.clock().equals(b.clock()) || a.versions().size() != b.versions().size()) {
            return false;
        }
        for (int i = 0; i < a.versions().size(); i++) {
            if (!a.versions().get(i).dot().equals(b.versions().get(i).dot())) {
                return false;
            }
        }
        return true;
    }

    /**
     * One quorum read: merges answers, completes after R, repairs laggards after all answer. A
     * replica that fails is replaced by a live one not yet asked, while there is one.
     */
    private final class ReadRound {
        final byte[] key;
        final ConsistencyLevel level;
        final int required;
        final int expected;
        final CompletableFuture<Siblings> result = new CompletableFuture<>();
        final Map<NodeId, Siblings> answers = new LinkedHashMap<>();
        final java.util.ArrayDeque<NodeId> spares;
        Siblings merged = Siblings.empty();
        int failures;
        boolean allUnreachable = true;

        ReadRound(byte[] key, ConsistencyLevel level, int required, int expected, List<NodeId> spares) {
            this.key = key;
            this.level = level;
            this.required = required;
            this.expected = expected;
            this.spares = new java.util.ArrayDeque<>(spares);
        }

        void ask(NodeId t) {
            if (t.equals(self)) {
                answered(self, store.read(key));
                return;
            }
            inFlight.increment();
            messaging.request(t, Verb.REPLICA_READ, key, settings.requestTimeoutMillis()).whenComplete((bytes, err) -> {
                inFlight.decrement();
                if (err == null) {
                    membership.reportSuccess(t);
                    Siblings s;
                    try {
                        s = store.decode(bytes);
                    } catch (RuntimeException e) {
                        failed(t, e);
                        return;
                    }
                    answered(t, s);
                } else {
                    noteFailure(t, err);
                    failed(t, err);
                }
            });
        }

        void answered(NodeId from, Siblings s) {
            Siblings snapshot = null;
            boolean finished;
            synchronized (this) {
                answers.put(from, s);
                merged = merged.merge(s);
                if (answers.size() == required) {
                    snapshot = merged;
                }
                finished = answers.size() + failures == expected;
            }
            if (snapshot != null) {
                result.complete(snapshot);
            }
            if (finished) {
                repair();
            }
        }

        void failed(NodeId from, Throwable err) {
            NodeId spare;
            synchronized (this) {
                spare = result.isDone() ? null : spares.poll();
            }
            if (spare != null) {
                ask(spare);
                return;
            }
            boolean fail;
            boolean finished;
            synchronized (this) {
                failures++;
                if (!(unwrap(err) instanceof PeerUnreachableException)) {
                    allUnreachable = false;
                }
                fail = answers.size() < required && expected - failures < required;
                finished = answers.size() + failures == expected;
            }
            if (fail && !result.isDone()) {
                if (allUnreachable) {
                    unavailables.increment();
                    result.completeExceptionally(new UnavailableException(level, "read", required, answers.size()));
                } else {
                    timeouts.increment();
                    result.completeExceptionally(new QuorumTimeoutException(level, "read", required, answers.size()));
                }
            }
            if (finished) {
                repair();
            }
        }

        /** Sends the merged set to every replica that answered with less. */
        void repair() {
            Siblings m;
            List<NodeId> stale = new ArrayList<>();
            synchronized (this) {
                m = merged;
                for (Map.Entry<NodeId, Siblings> e : answers.entrySet()) {
                    if (!sameVersions(e.getValue(), m)) {
                        stale.add(e.getKey());
                    }
                }
            }
            for (NodeId n : stale) {
                readRepairs.increment();
                if (n.equals(self)) {
                    store.merge(key, m);
                } else {
                    // Best effort: a repair that fails is retried by the next read that finds the gap.
                    messaging.request(n, Verb.REPLICA_WRITE, encodeWrite(key, m), settings.requestTimeoutMillis())
                            .whenComplete((r, err) -> {
                                if (err != null) {
                                    readRepairFailures.increment();
                                    noteFailure(n, err);
                                }
                            });
                }
            }
        }
    }

    // ---------------------------------------------------------------- writes

    private static byte[] encodeWrite(byte[] key, Siblings s) {
        byte[] set = s.encode();
        return new ByteSink(key.length + set.length + 10).writeLengthPrefixed(key).writeLengthPrefixed(set).toByteArray();
    }

    /**
     * Null when {@code level} can be met now, else the error to answer (nothing is written).
     * With hinted handoff, ANY can always be met (the coordinator keeps a hint), and with
     * sloppy quorum each down replica can be stood in for by a distinct live fallback: ALL
     * then means N acknowledgements from distinct healthy nodes, fallbacks included (Dynamo).
     */
    private UnavailableException checkWritable(byte[] key, List<NodeId> pref, ConsistencyLevel level) {
        int required = level.required(pref.size());
        int alive = liveOf(pref).size();
        int reachable = alive;
        if (hints != null && required <= pref.size()) {
            if (level == ConsistencyLevel.ANY) {
                return null;
            }
            if (settings.sloppyQuorum() && alive < required) {
                int down = pref.size() - alive;
                reachable = alive + liveFallbacks(ring().partitioner().partitionOf(key), pref, down);
            }
        }
        if (required > pref.size() || reachable < required) {
            unavailables.increment();
            return new UnavailableException(level, "write", required, reachable);
        }
        return null;
    }

    /** Live nodes past the preference list in the partition's ring walk, at most {@code max}. */
    private int liveFallbacks(int partition, List<NodeId> pref, int max) {
        int n = 0;
        for (NodeId f : ring().ringWalk(partition)) {
            if (n >= max) {
                break;
            }
            if (!pref.contains(f) && membership.isAlive(f)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, Record record, Consistency cl) {
        return event(key, cl, s -> s.update(actor(), s.clock(), notBeforeFlush(record))).thenApply(s -> null);
    }

    @Override
    public CompletableFuture<Siblings> causalPut(byte[] key, VersionVector context, Record record, Consistency cl) {
        return event(key, cl, s -> s.update(actor(), context, notBeforeFlush(record)));
    }

    /**
     * A write computed from this node's own replica under the key's lock (no remote read):
     * the coordinator supersedes what it has seen. A coordinator outside the preference list
     * (a stale ring view) bases the event on a read at ONE instead.
     */
    private CompletableFuture<Siblings> event(byte[] key, Consistency cl, UnaryOperator<Siblings> f) {
        List<NodeId> pref = ring().preferenceList(key);
        UnavailableException u = checkWritable(key, pref, cl.write());
        if (u != null) {
            return CompletableFuture.failedFuture(u);
        }
        coordinatedWrites.increment();
        if (!pref.contains(self)) {
            return readQuorum(key, ConsistencyLevel.ONE).thenCompose(base -> replicate(key, f.apply(base), pref, cl.write(), false));
        }
        return locks.acquire(key).thenCompose(v -> {
            Siblings stored;
            try {
                stored = store.coordinate(key, f);
            } finally {
                locks.release(key);
            }
            return replicate(key, stored, pref, cl.write(), true);
        });
    }

    /** Sends {@code set} to the replicas other than this node; completes after W acknowledgements. */
    private CompletableFuture<Siblings> replicate(byte[] key, Siblings set, List<NodeId> pref, ConsistencyLevel level, boolean appliedLocally) {
        int required = level.required(pref.size());
        int acks = appliedLocally ? 1 : 0;
        List<NodeId> others = new ArrayList<>(pref.size());
        for (NodeId n : pref) {
            if (!n.equals(self)) {
                others.add(n);
            }
        }
        byte[] payload = null;
        List<NodeId> targets = ring().writeTargets(key);
        if (targets != pref) {
            payload = encodeWrite(key, set);
            for (NodeId n : targets) {
                if (!pref.contains(n)) {
                    pendingReplicaWrite(n, key, set, payload);
                }
            }
        }
        if (acks >= required && others.isEmpty()) {
            return CompletableFuture.completedFuture(set);
        }
        WriteRound round = new WriteRound(set, level, required, acks, others.size());
        if (payload == null) {
            payload = encodeWrite(key, set);
        }
        HintedWrite hinted = hints == null ? null : new HintedWrite(key, set, level, pref, round);
        for (NodeId n : others) {
            if (hinted != null && !membership.isAlive(n)) {
                hinted.standIn(n);
                continue;
            }
            inFlight.increment();
            messaging.request(n, Verb.REPLICA_WRITE, payload, settings.requestTimeoutMillis()).whenComplete((r, err) -> {
                inFlight.decrement();
                if (err == null) {
                    membership.reportSuccess(n);
                    round.acked();
                } else {
                    noteFailure(n, err);
                    if (hinted != null) {
                        hinted.replicaFailed(n, err);
                    } else {
                        round.failed();
                    }
                }
            });
        }
        return round.result;
    }

    /**
     * A write to a node that will replicate the key once the ring's transition commits (a
     * joining node, or a new replica of a leaving or removed node's partitions): it is
     * streaming the partition, and a write that reached the source after the stream passed
     * the key would otherwise be missing there (Cassandra's pending-range writes). Its answer
     * does not count toward W; a failure leaves a hint here so the write still arrives.
     */
    private void pendingReplicaWrite(NodeId n, byte[] key, Siblings set, byte[] payload) {
        pendingReplicaWrites.increment();
        if (n.equals(self)) {
            store.merge(key, set);
            return;
        }
        inFlight.increment();
        messaging.request(n, Verb.REPLICA_WRITE, payload, settings.requestTimeoutMillis()).whenComplete((r, err) -> {
            inFlight.decrement();
            if (err == null) {
                membership.reportSuccess(n);
            } else {
                noteFailure(n, err);
                if (hints != null) {
                    hintsKeptByCoordinator.increment();
                    hints.store(n, key, set);
                }
            }
        });
    }

    /**
     * The hinted part of one write: for each preference-list replica that cannot take the set,
     * finds a fallback to hold a hint, or keeps the hint here, and settles that replica's slot
     * in the {@link WriteRound} (acknowledged or failed) by what the hint counts for.
     */
    private final class HintedWrite {
        final byte[] key;
        final Siblings set;
        final ConsistencyLevel level;
        final List<NodeId> pref;
        final WriteRound round;
        /** Nodes this write already went to (the preference list and fallbacks chosen); built on first need. */
        Set<NodeId> used;
        List<NodeId> walk;
        int walkNext;

        HintedWrite(byte[] key, Siblings set, ConsistencyLevel level, List<NodeId> pref, WriteRound round) {
            this.key = key;
            this.set = set;
            this.level = level;
            this.pref = pref;
            this.round = round;
        }

        /** The next live node past the preference list not yet used by this write, or null. */
        synchronized NodeId nextFallback() {
            if (walk == null) {
                walk = ring().ringWalk(ring().partitioner().partitionOf(key));
                used = new HashSet<>(pref);
            }
            while (walkNext < walk.size()) {
                NodeId f = walk.get(walkNext++);
                if (used.add(f) && membership.isAlive(f)) {
                    return f;
                }
            }
            return null;
        }

        /** A replica that cannot take the write: a fallback stores the hint, or this node keeps it. */
        void standIn(NodeId target) {
            NodeId fallback = nextFallback();
            if (fallback == null) {
                keepHint(target);
            } else if (fallback.equals(self)) {
                // This coordinator is itself the next node past the list: a real fallback.
                hintsSentToFallbacks.increment();
                settle(hints.store(target, key, set), true);
            } else {
                hintsSentToFallbacks.increment();
                inFlight.increment();
                messaging.request(fallback, Verb.HINT_WRITE, encodeHint(target, key, set), settings.requestTimeoutMillis())
                        .whenComplete((reply, err) -> {
                            inFlight.decrement();
                            if (err == null) {
                                membership.reportSuccess(fallback);
                                // A fallback that dropped the hint (window, bytes) leaves the slot failed.
                                settle(reply.length == 1 && reply[0] == 1, true);
                            } else {
                                // One fallback per replica and write, so a write waits at most two timeouts.
                                noteFailure(fallback, err);
                                keepHint(target);
                            }
                        });
            }
        }

        /**
         * A replica believed up failed this write. Refused: it is down, so a fallback stands
         * in. Otherwise (timeout, lost connection, remote error) it may or may not have applied
         * the write, and this node keeps a hint to make sure (Cassandra does the same).
         */
        void replicaFailed(NodeId target, Throwable err) {
            if (unwrap(err) instanceof PeerUnreachableException) {
                standIn(target);
            } else {
                keepHint(target);
            }
        }

        /** No fallback: the coordinator keeps the hint, which counts toward ANY only. */
        void keepHint(NodeId target) {
            hintsKeptByCoordinator.increment();
            settle(hints.store(target, key, set), false);
        }

        void settle(boolean stored, boolean onFallback) {
            boolean counts = stored && (level == ConsistencyLevel.ANY || (onFallback && settings.sloppyQuorum()));
            if (counts) {
                round.acked();
            } else {
                round.failed();
            }
        }
    }

    private static byte[] encodeHint(NodeId target, byte[] key, Siblings s) {
        byte[] id = target.id().getBytes(StandardCharsets.US_ASCII);
        byte[] set = s.encode();
        return new ByteSink(id.length + key.length + set.length + 12).writeLengthPrefixed(id).writeLengthPrefixed(key)
                .writeLengthPrefixed(set).toByteArray();
    }

    /**
     * Serves HINT_WRITE: stores a hint for the named target and replies 1, or 0 when the store
     * dropped it. A hint naming this node (possible only when rings disagree) is its own data:
     * merged into the replica instead.
     */
    private byte[] storeHint(byte[] payload) {
        WireReader r = new WireReader(payload);
        NodeId target = new NodeId(new String(r.bytes(), StandardCharsets.US_ASCII));
        byte[] key = r.bytes();
        Siblings s = Siblings.decode(r.bytes());
        r.expectEnd();
        boolean stored;
        if (target.equals(self)) {
            store.merge(key, s);
            stored = true;
        } else {
            stored = hints.store(target, key, s);
        }
        return new byte[] {(byte) (stored ? 1 : 0)};
    }

    private final class WriteRound {
        final Siblings set;
        final ConsistencyLevel level;
        final int required;
        int acks;
        int pending;
        final CompletableFuture<Siblings> result = new CompletableFuture<>();

        WriteRound(Siblings set, ConsistencyLevel level, int required, int acks, int pending) {
            this.set = set;
            this.level = level;
            this.required = required;
            this.acks = acks;
            this.pending = pending;
            if (acks >= required) {
                result.complete(set);
            }
        }

        void acked() {
            boolean done;
            synchronized (this) {
                acks++;
                pending--;
                done = acks == required;
            }
            if (done) {
                result.complete(set);
            }
        }

        void failed() {
            boolean fail;
            synchronized (this) {
                pending--;
                fail = acks < required && acks + pending < required;
            }
            if (fail && !result.isDone()) {
                timeouts.increment();
                result.completeExceptionally(new QuorumTimeoutException(level, "write", required, acks));
            }
        }
    }

    @Override
    public <R> CompletableFuture<R> update(byte[] key, KeyUpdate<R> update, Consistency cl) {
        List<NodeId> pref = ring().preferenceList(key);
        UnavailableException u = checkWritable(key, pref, cl.write());
        if (u != null) {
            return CompletableFuture.failedFuture(u);
        }
        return locks.acquire(key).thenCompose(v -> {
            // The lock is held until the change is stored here; replication continues after.
            return readQuorum(key, cl.read()).handle((merged, err) -> {
                if (err != null) {
                    locks.release(key);
                    return CompletableFuture.<R>failedFuture(unwrap(err));
                }
                return applyChange(key, pref, merged, update, cl);
            }).thenCompose(f -> f);
        });
    }

    /** Runs {@code update} on the merged read and writes its change; releases the key's lock. */
    private <R> CompletableFuture<R> applyChange(byte[] key, List<NodeId> pref, Siblings merged, KeyUpdate<R> update, Consistency cl) {
        Siblings stored;
        Change<R> change;
        try {
            long now = clock.currentTimeMillis();
            Version w = merged.winner(now);
            Record current = w == null || w.record().isTombstone() ? null : w.record();
            change = update.apply(current, now);
            Record next = switch (change.action()) {
                case PUT -> change.record();
                case DELETE -> current == null ? null : Record.tombstone(now);
                case KEEP -> null;
            };
            if (next == null) {
                return CompletableFuture.completedFuture(change.reply());
            }
            coordinatedWrites.increment();
            Siblings written = merged.update(actor(), merged.clock(), notBeforeFlush(next));
            stored = pref.contains(self) ? store.merge(key, written) : written;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            locks.release(key);
        }
        R reply = change.reply();
        return replicate(key, stored, pref, cl.write(), pref.contains(self)).thenApply(s -> reply);
    }

    @Override
    public <R> CompletableFuture<R> updateAll(List<byte[]> keys, MultiKeyUpdate<R> update, Consistency cl) {
        // Distinct keys in a fixed order, locked in that order so concurrent calls cannot deadlock.
        Map<ByteBuffer, byte[]> distinct = new java.util.TreeMap<>();
        for (byte[] k : keys) {
            distinct.putIfAbsent(ByteBuffer.wrap(k), k);
        }
        List<byte[]> order = new ArrayList<>(distinct.values());
        List<NodeId> pref = ring().preferenceList(order.get(0));
        UnavailableException u = checkWritable(order.get(0), pref, cl.write());
        if (u != null) {
            return CompletableFuture.failedFuture(u);
        }
        return lockAll(order, 0).thenCompose(v -> {
            List<CompletableFuture<Siblings>> reads = new ArrayList<>();
            for (byte[] k : order) {
                reads.add(readQuorum(k, cl.read()));
            }
            return CompletableFuture.allOf(reads.toArray(new CompletableFuture[0])).handle((x, err) -> {
                if (err != null) {
                    order.forEach(locks::release);
                    return CompletableFuture.<R>failedFuture(unwrap(err));
                }
                return applyAll(keys, order, reads, pref, update, cl);
            }).thenCompose(f -> f);
        });
    }

    /** Takes the keys' locks in order; on failure releases those already taken. */
    private CompletableFuture<Void> lockAll(List<byte[]> keys, int from) {
        if (from == keys.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return locks.acquire(keys.get(from)).thenCompose(v -> lockAll(keys, from + 1).whenComplete((x, err) -> {
            if (err != null) {
                locks.release(keys.get(from));
            }
        }));
    }

    private <R> CompletableFuture<R> applyAll(List<byte[]> keys, List<byte[]> order, List<CompletableFuture<Siblings>> reads,
            List<NodeId> pref, MultiKeyUpdate<R> update, Consistency cl) {
        List<CompletableFuture<Siblings>> writes = new ArrayList<>();
        MultiKeyUpdate.Result<R> result;
        try {
            long now = clock.currentTimeMillis();
            Map<ByteBuffer, Siblings> merged = new java.util.HashMap<>();
            for (int i = 0; i < order.size(); i++) {
                merged.put(ByteBuffer.wrap(order.get(i)), reads.get(i).join());
            }
            List<Record> current = new ArrayList<>(keys.size());
            for (byte[] k : keys) {
                Version w = merged.get(ByteBuffer.wrap(k)).winner(now);
                current.add(w == null || w.record().isTombstone() ? null : w.record());
            }
            result = update.apply(current, now);
            if (result.changes().size() != keys.size()) {
                throw new IllegalStateException("one change per key expected");
            }
            // The final change per key (a KEEP never undoes an earlier change).
            Map<ByteBuffer, Change<Void>> last = new LinkedHashMap<>();
            Map<ByteBuffer, Record> currentByKey = new java.util.HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                ByteBuffer kb = ByteBuffer.wrap(keys.get(i));
                Change<Void> c = result.changes().get(i);
                currentByKey.put(kb, current.get(i));
                if (c.action() != Change.Action.KEEP || !last.containsKey(kb)) {
                    last.put(kb, c);
                }
            }
            for (Map.Entry<ByteBuffer, Change<Void>> e : last.entrySet()) {
                Change<Void> c = e.getValue();
                Record next = switch (c.action()) {
                    case PUT -> c.record();
                    case DELETE -> currentByKey.get(e.getKey()) == null ? null : Record.tombstone(now);
                    case KEEP -> null;
                };
                if (next == null) {
                    continue;
                }
                byte[] key = e.getKey().array();
                Siblings m = merged.get(e.getKey());
                Siblings written = m.update(actor(), m.clock(), notBeforeFlush(next));
                Siblings stored = pref.contains(self) ? store.merge(key, written) : written;
                writes.add(replicate(key, stored, pref, cl.write(), pref.contains(self)));
            }
            coordinatedWrites.increment();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            order.forEach(locks::release);
        }
        R reply = result.reply();
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).thenApply(x -> reply);
    }

    // ---------------------------------------------------------------- cluster-wide

    @Override
    public CompletableFuture<ScanPage> scan(long cursor, int count, byte[] pattern, String type) {
        Partitioner partitioner = ring().partitioner();
        List<byte[]> keys = new ArrayList<>();
        return scanFrom(partitioner, partitioner.partitionOfToken(cursor), cursor, count, pattern, type, keys, 0);
    }

    private CompletableFuture<ScanPage> scanFrom(Partitioner partitioner, int partition, long token, int count, byte[] pattern, String type,
            List<byte[]> keys, int visited) {
        NodeId target = coordinatorOfPartition(partition);
        CompletableFuture<ReplicaStore.PartitionPage> page;
        int want = Math.max(1, count - keys.size());
        if (target.equals(self)) {
            page = CompletableFuture.completedFuture(store.scanPartition(partition, token, want, pattern, type));
        } else {
            ByteSink w = new ByteSink(32).writeInt(partition).writeLong(token).writeInt(want).writeLengthPrefixed(pattern == null ? EMPTY : pattern)
                    .writeByte(pattern == null ? 0 : 1).writeLengthPrefixed(type == null ? EMPTY : type.getBytes(StandardCharsets.UTF_8)).writeByte(type == null ? 0 : 1);
            page = messaging.request(target, Verb.SCAN_PAGE, w.toByteArray(), settings.requestTimeoutMillis()).thenApply(ClusterService::decodePage);
        }
        return page.thenCompose(pg -> {
            keys.addAll(pg.keys());
            if (!pg.done()) {
                return CompletableFuture.completedFuture(new ScanPage(pg.nextToken(), keys));
            }
            int next = partition + 1;
            if (next >= partitioner.partitionCount()) {
                return CompletableFuture.completedFuture(new ScanPage(0, keys));
            }
            // Only remote pages count against the bound: local partitions cost no round trip.
            int hops = target.equals(self) ? visited : visited + 1;
            if (keys.size() >= count || hops >= settings.scanPartitionsPerCallMax()) {
                return CompletableFuture.completedFuture(new ScanPage(partitioner.firstToken(next), keys));
            }
            return scanFrom(partitioner, next, partitioner.firstToken(next), count, pattern, type, keys, hops);
        });
    }

    private byte[] servePage(byte[] payload) {
        WireReader r = new WireReader(payload);
        int partition = r.u32();
        long token = r.u64();
        int count = r.u32();
        byte[] pattern = r.bytes();
        boolean hasPattern = r.u8() == 1;
        byte[] type = r.bytes();
        boolean hasType = r.u8() == 1;
        r.expectEnd();
        if (partition < 0 || partition >= ring().partitionCount() || count < 1 || count > SCAN_PAGE_COUNT_MAX) {
            throw new IllegalArgumentException("bad scan page request");
        }
        ReplicaStore.PartitionPage pg = store.scanPartition(partition, token, count, hasPattern ? pattern : null,
                hasType ? new String(type, StandardCharsets.UTF_8) : null);
        ByteSink w = new ByteSink(64).writeByte(pg.done() ? 1 : 0).writeLong(pg.nextToken()).writeVarLong(pg.keys().size());
        for (byte[] k : pg.keys()) {
            w.writeLengthPrefixed(k);
        }
        return w.toByteArray();
    }

    private static ReplicaStore.PartitionPage decodePage(byte[] bytes) {
        WireReader r = new WireReader(bytes);
        boolean done = r.u8() == 1;
        long next = r.u64();
        int n = r.length(SCAN_PAGE_COUNT_MAX);
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(r.bytes());
        }
        r.expectEnd();
        return new ReplicaStore.PartitionPage(keys, done, next);
    }

    private byte[] encodeCounts() {
        int q = ring().partitionCount();
        ByteSink w = new ByteSink(q * 2 + 4).writeVarLong(q);
        for (int p = 0; p < q; p++) {
            w.writeVarLong(store.partitionSize(p));
        }
        return w.toByteArray();
    }

    private static long[] decodeCounts(byte[] bytes, int q) {
        WireReader r = new WireReader(bytes);
        if (r.length(1 << 20) != q) {
            throw new IllegalArgumentException("peer has a different partition count");
        }
        long[] out = new long[q];
        for (int p = 0; p < q; p++) {
            out[p] = r.varint();
        }
        return out;
    }

    @Override
    public CompletableFuture<Long> size() {
        RingSnapshot ring = ring();
        int q = ring.partitionCount();
        List<Member> members = ring.members();
        Map<NodeId, CompletableFuture<long[]>> counts = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.id().equals(self)) {
                counts.put(self, CompletableFuture.completedFuture(decodeCounts(encodeCounts(), q)));
            } else if (membership.isAlive(m.id())) {
                counts.put(m.id(), messaging.request(m.id(), Verb.NODE_STATS, EMPTY, settings.requestTimeoutMillis())
                        .thenApply(b -> decodeCounts(b, q)).exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(counts.values().toArray(new CompletableFuture[0])).thenApply(x -> {
            // Each partition is counted once, by the first replica that answered.
            long total = 0;
            for (int p = 0; p < q; p++) {
                for (NodeId n : ring.preferenceList(p)) {
                    CompletableFuture<long[]> f = counts.get(n);
                    long[] c = f == null ? null : f.join();
                    if (c != null) {
                        total += c[p];
                        break;
                    }
                }
            }
            return total;
        });
    }

    @Override
    public CompletableFuture<byte[]> randomKey() {
        byte[] local = ring().members().size() == 1 ? store.randomKey() : null;
        if (local != null || ring().members().size() == 1) {
            return CompletableFuture.completedFuture(local);
        }
        List<NodeId> live = new ArrayList<>();
        for (Member m : ring().members()) {
            if (membership.isAlive(m.id())) {
                live.add(m.id());
            }
        }
        Collections.shuffle(live, new java.util.Random(random.nextLong()));
        return randomKeyFrom(live, 0);
    }

    private CompletableFuture<byte[]> randomKeyFrom(List<NodeId> nodes, int i) {
        if (i >= nodes.size()) {
            return CompletableFuture.completedFuture(null);
        }
        NodeId n = nodes.get(i);
        CompletableFuture<byte[]> f = n.equals(self) ? CompletableFuture.completedFuture(store.randomKey())
                : messaging.request(n, Verb.RANDOM_KEY, EMPTY, settings.requestTimeoutMillis()).thenApply(b -> {
                    if (b.length == 0) {
                        return null;
                    }
                    WireReader r = new WireReader(b);
                    r.u8();
                    return r.bytes();
                }).exceptionally(e -> null);
        return f.thenCompose(k -> k != null ? CompletableFuture.completedFuture(k) : randomKeyFrom(nodes, i + 1));
    }

    @Override
    public CompletableFuture<Void> flushAll() {
        List<Member> members = ring().members();
        List<NodeId> down = new ArrayList<>();
        for (Member m : members) {
            if (!membership.isAlive(m.id())) {
                down.add(m.id());
            }
        }
        if (!down.isEmpty()) {
            unavailables.increment();
            return CompletableFuture.failedFuture(new UnavailableException(
                    "FLUSHALL needs every node up; down: " + down));
        }
        long at = clock.currentTimeMillis();
        byte[] payload = new ByteSink(8).writeLong(at).toByteArray();
        List<CompletableFuture<byte[]>> acks = new ArrayList<>();
        int[] failed = {0};
        for (Member m : members) {
            if (m.id().equals(self)) {
                store.flush(at);
            } else {
                acks.add(messaging.request(m.id(), Verb.FLUSH, payload, settings.requestTimeoutMillis()).exceptionally(e -> {
                    synchronized (failed) {
                        failed[0]++;
                    }
                    return null;
                }));
            }
        }
        return CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).thenApply(x -> {
            if (failed[0] > 0) {
                timeouts.increment();
                throw new CompletionException(new QuorumTimeoutException(ConsistencyLevel.ALL, "flush", members.size(), members.size() - failed[0]));
            }
            return null;
        });
    }

    @Override
    public long keysWithExpiry() {
        return store.keysWithExpiry();
    }

    @Override
    public long localSize() {
        return store.size();
    }

    @Override
    public Map<String, String> storageStats() {
        return store.storageStats();
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>(store.counters());
        m.put("keyspace_hits", hits.sum());
        m.put("keyspace_misses", misses.sum());
        m.put("coordinated_reads", coordinatedReads.sum());
        m.put("coordinated_writes", coordinatedWrites.sum());
        m.put("read_repairs", readRepairs.sum());
        m.put("read_repair_failures", readRepairFailures.sum());
        m.put("quorum_timeouts", timeouts.sum());
        m.put("unavailable", unavailables.sum());
        m.put("replica_requests_in_flight", inFlight.sum());
        m.put("locked_keys", (long) locks.heldKeys());
        m.put("pending_replica_writes", pendingReplicaWrites.sum());
        if (hints != null) {
            m.put("hints_sent_to_fallbacks", hintsSentToFallbacks.sum());
            m.put("hints_kept_by_coordinator", hintsKeptByCoordinator.sum());
            m.putAll(hints.counters());
        }
        return m;
    }
}
