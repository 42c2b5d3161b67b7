package io.ringkv.ring.sim;

import io.ringkv.ring.Change;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.Member;
import io.ringkv.ring.partition.RingSnapshot;
import io.ringkv.ring.repair.RepairResult;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One seeded resilience run over a {@link ResilienceCluster}: clients write at QUORUM while a
 * nemesis crashes and restarts nodes, partitions and heals the network, drops messages, adds a
 * node and takes one out by a {@link RingChange} drawn from the seed (decommissioned; killed for
 * good and removed with RING REMOVE; or killed for good and replaced by a new node); then
 * everything heals, the run waits for membership to converge
 * and hints to drain, repairs every node, and checks:
 *
 * <ol>
 *   <li>no acknowledged write is lost: on every replica of the final ring, the newest version
 *       of each key (by timestamp, then dot, expired and deleted ones included) is the last
 *       acknowledged write or a later one whose outcome the client never learned;
 *   <li>the replicas of each key hold the same sibling set (expired versions and the
 *       tombstones they are reclaimed into count as the same);
 *   <li>deleted and expired data never reappears: what a read would return now is what the
 *       newest version says (absent when it is a tombstone or expired), never an older value;
 *   <li>hints drained, every node has the same settled ring, the joined node (and a
 *       replacement) is in it and the node taken out is not.
 * </ol>
 *
 * Clients run one operation per key at a time, so each key's expected state is a sequence.
 * Everything is drawn from the seed; {@link #run} returns a summary, or throws an
 * {@link AssertionError} naming the seed.
 */
final class ResilienceSimulation {
    static final int INITIAL_NODES_MIN = 4;
    static final int INITIAL_NODES_MAX = 6;
    static final int KEYS = 24;
    static final long WRITE_PHASE_MILLIS = 20_000;
    /** A client gives up on an operation after this long; its outcome is then unknown. */
    static final long CLIENT_TIMEOUT_MILLIS = 3_000;
    static final long THINK_MIN_MILLIS = 5;
    static final long THINK_MAX_MILLIS = 150;
    static final long CONVERGE_DEADLINE_MILLIS = 180_000;
    static final long CHECK_STEP_MILLIS = 100;

    enum Kind { PUT, PUT_TTL, TOMBSTONE, UPDATE_DELETE }

    /** How a run takes a node out of the ring. */
    enum RingChange {
        /** RING LEAVE: it streams its partitions away, then stops. */
        DECOMMISSION,
        /** It dies for good (its disk with it); RING REMOVE on a survivor re-replicates from the others. */
        REMOVE,
        /** It dies for good; a new node started to replace it takes exactly its partitions. */
        REPLACE
    }

    /** Retry interval of a RING REMOVE or replacement refused for now (dead node not yet judged down). */
    static final long RING_CHANGE_RETRY_MILLIS = 500;
    /** After a RING REMOVE was accepted, how long before it is asked again if the node is still in the ring. */
    static final long RING_CHANGE_REISSUE_MILLIS = 10_000;

    enum Status { PENDING, ACKED, UNKNOWN, NO_OP }

    /** One client operation on one key. */
    static final class Op {
        final int index;
        final Kind kind;
        final byte[] payload;
        final long timestampMillis;
        final long expireAtMillis;
        final long issuedMillis;
        long endMillis = Long.MAX_VALUE;
        Status status = Status.PENDING;

        Op(int index, Kind kind, byte[] payload, long timestampMillis, long expireAtMillis, long issuedMillis) {
            this.index = index;
            this.kind = kind;
            this.payload = payload;
            this.timestampMillis = timestampMillis;
            this.expireAtMillis = expireAtMillis;
            this.issuedMillis = issuedMillis;
        }

        /** Whether {@code v} is the version this operation wrote (or its reclaimed tombstone). */
        boolean wrote(Version v) {
            Record r = v.record();
            return switch (kind) {
                case PUT -> !r.isTombstone() && java.util.Arrays.equals(r.payload(), payload);
                case PUT_TTL -> (!r.isTombstone() && java.util.Arrays.equals(r.payload(), payload))
                        || (r.isTombstone() && r.timestampMillis() == timestampMillis);
                case TOMBSTONE -> r.isTombstone() && r.timestampMillis() == timestampMillis;
                case UPDATE_DELETE -> r.isTombstone() && r.timestampMillis() >= issuedMillis && r.timestampMillis() <= endMillis;
            };
        }

        /** What a read shows once this operation is the newest: null for absent (a key expires once now passes its deadline, as in Redis and {@code Record.isExpired}). */
        String visible(long nowMillis) {
            return switch (kind) {
                case PUT -> new String(payload, StandardCharsets.US_ASCII);
                case PUT_TTL -> expireAtMillis < nowMillis ? null : new String(payload, StandardCharsets.US_ASCII);
                case TOMBSTONE, UPDATE_DELETE -> null;
            };
        }

        @Override
        public String toString() {
            return "#" + index + " " + kind + (payload == null ? "" : " " + new String(payload, StandardCharsets.US_ASCII)) + " ts="
                    + timestampMillis + (expireAtMillis != Record.NO_EXPIRY ? " exp=" + expireAtMillis : "") + " " + status
                    + " [" + issuedMillis + ".." + (endMillis == Long.MAX_VALUE ? "?" : endMillis) + "]";
        }
    }

    /** What a run did, for the report and the determinism test. */
    record Summary(long seed, int initialNodes, int partitions, long opsIssued, long writesAcked, long writesUnknown,
            long hintsStored, long hintsDelivered, long crashes, long partitionsCut, int joinsCompleted, RingChange ringChange,
            int leavesCompleted, long convergeMillis, long finalRingVersion, long tasks) {
    }

    private final long seed;
    private final ResilienceCluster cluster;
    private final java.util.SplittableRandom random;
    private final int initialNodes;
    private final Map<String, List<Op>> history = new TreeMap<>();
    private final List<String> events = new ArrayList<>();
    private boolean writing = true;
    private long opsIssued;
    private long crashes;
    private long cuts;
    private final RingChange ringChange;
    private NodeId joiner;
    /** The node taken out (decommissioned, or killed for good). */
    private NodeId leaver;
    /** The node started to replace {@link #leaver} (REPLACE only). */
    private NodeId replacement;
    private int outstanding;

    /** A run whose ring change is drawn from the seed as well. */
    ResilienceSimulation(long seed) {
        // Drawn from its own stream: the main one stays as it was before ring changes were
        // drawn, so seeds recorded as regressions still replay their original runs.
        this(seed, RingChange.values()[new java.util.SplittableRandom(seed ^ 0x52494e47L).nextInt(RingChange.values().length)]);
    }

    ResilienceSimulation(long seed, RingChange ringChange) {
        this.seed = seed;
        this.ringChange = ringChange;
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        this.initialNodes = INITIAL_NODES_MIN + r.nextInt(INITIAL_NODES_MAX - INITIAL_NODES_MIN + 1);
        int partitions = r.nextBoolean() ? 16 : 32;
        this.cluster = new ResilienceCluster(r.nextLong(), initialNodes, partitions, true);
        this.random = r.split();
    }

    Summary run() {
        try {
            return runChecked();
        } catch (AssertionError | RuntimeException e) {
            AssertionError failure = new AssertionError(describeFailure(e), e);
            throw failure;
        }
    }

    private String describeFailure(Throwable e) {
        StringBuilder sb = new StringBuilder();
        sb.append("resilience run failed: ").append(e.getMessage()).append("\n  replay with -Dresilience.seed=0x")
                .append(Long.toHexString(seed)).append(" at virtual +").append(cluster.nowMillis() - SimConfig.EPOCH_MILLIS)
                .append(" ms\n  nodes: ").append(cluster.nodes.values()).append("\n  events:\n");
        int from = Math.max(0, events.size() - 40);
        for (String ev : events.subList(from, events.size())) {
            sb.append("    ").append(ev).append('\n');
        }
        return sb.toString();
    }

    private void event(String what) {
        events.add("+" + (cluster.nowMillis() - SimConfig.EPOCH_MILLIS) + " " + what);
    }

    private Summary runChecked() {
        long start = cluster.nowMillis();
        for (ResilienceCluster.Node n : cluster.nodes.values()) {
            n.start();
        }
        for (int k = 0; k < KEYS; k++) {
            String key = "key" + k;
            history.put(key, new ArrayList<>());
            cluster.scheduler.schedule(1 + random.nextLong(200), () -> nextOp(key));
        }
        scheduleNemesis(start);
        cluster.scheduler.runUntil(start + WRITE_PHASE_MILLIS);
        writing = false;
        event("write phase over");
        // Let outstanding operations finish or time out at their clients.
        cluster.scheduler.runUntil(() -> outstanding == 0, cluster.nowMillis() + CLIENT_TIMEOUT_MILLIS + 100);

        // Heal everything.
        cluster.network.healAll();
        cluster.network.dropProbability(0);
        for (ResilienceCluster.Node n : cluster.nodes.values()) {
            if (!n.up && !n.departed) {
                event("restart " + n.id + " (healing)");
                n.start();
            }
        }
        event("healed");
        long healedAt = cluster.nowMillis();
        boolean converged = runUntil(this::converged, healedAt + CONVERGE_DEADLINE_MILLIS);
        if (!converged) {
            throw new AssertionError("no convergence within " + CONVERGE_DEADLINE_MILLIS + " ms after healing: " + convergenceState());
        }
        long convergeMillis = cluster.nowMillis() - healedAt;
        event("converged after " + convergeMillis + " ms");
        for (int round = 0; round < 2; round++) {
            for (ResilienceCluster.Node n : cluster.upNodes()) {
                CompletableFuture<List<RepairResult>> f = n.repair.repairAll();
                if (!cluster.scheduler.runUntil(f::isDone, cluster.nowMillis() + 120_000)) {
                    throw new AssertionError("repairAll on " + n.id + " did not finish");
                }
                if (f.isCompletedExceptionally()) {
                    throw new AssertionError("repairAll on " + n.id + " failed: " + f.handle((v, e) -> e).join());
                }
            }
        }
        event("repaired");
        check();
        RingSnapshot ring = cluster.upNodes().get(0).membership.ring();
        long acked = 0;
        long unknown = 0;
        for (List<Op> ops : history.values()) {
            for (Op op : ops) {
                if (op.status == Status.ACKED) {
                    acked++;
                } else if (op.status == Status.UNKNOWN) {
                    unknown++;
                }
            }
        }
        return new Summary(seed, initialNodes, cluster.partitionCount, opsIssued, acked, unknown, cluster.hintCounter("hints_stored"),
                cluster.hintCounter("hints_delivered"), crashes, cuts, joiner != null && ring.isCurrentMember(joiner) ? 1 : 0,
                ringChange, leaver != null && !ring.isCurrentMember(leaver) && ring.member(leaver) == null ? 1 : 0, convergeMillis, ring.version(),
                cluster.scheduler.executed());
    }

    private boolean runUntil(java.util.function.BooleanSupplier done, long deadlineMillis) {
        while (!done.getAsBoolean()) {
            if (cluster.nowMillis() >= deadlineMillis) {
                return false;
            }
            cluster.scheduler.runUntil(Math.min(deadlineMillis, cluster.nowMillis() + CHECK_STEP_MILLIS));
        }
        return true;
    }

    // ------------------------------------------------------------------ clients

    private void nextOp(String key) {
        if (!writing) {
            return;
        }
        List<ResilienceCluster.Node> entry = new ArrayList<>();
        for (ResilienceCluster.Node n : cluster.upNodes()) {
            // A node that has not learned the ring yet (a joiner's first moments) does not serve clients.
            if (n.membership.ring().version() > 0) {
                entry.add(n);
            }
        }
        if (entry.isEmpty()) {
            cluster.scheduler.schedule(50, () -> nextOp(key));
            return;
        }
        ResilienceCluster.Node via = entry.get(random.nextInt(entry.size()));
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        // Production's router forwards to the key's coordinator as the entry node sees it.
        ResilienceCluster.Node coordinator = cluster.node(via.cluster.coordinatorFor(k));
        if (coordinator == null || !coordinator.up || coordinator.membership.ring().version() == 0) {
            coordinator = via;
        }
        List<Op> ops = history.get(key);
        long now = cluster.nowMillis();
        int roll = random.nextInt(100);
        Op op;
        CompletableFuture<?> f;
        int index = ops.size();
        try {
            if (roll < 60) {
                byte[] payload = (key + "#" + index).getBytes(StandardCharsets.US_ASCII);
                op = new Op(index, Kind.PUT, payload, now, Record.NO_EXPIRY, now);
                ops.add(op);
                f = coordinator.cluster.put(k, Record.string(payload, now, Record.NO_EXPIRY), ResilienceCluster.QUORUM);
            } else if (roll < 75) {
                byte[] payload = (key + "#" + index).getBytes(StandardCharsets.US_ASCII);
                long expireAt = now + 200 + random.nextLong(3_000);
                op = new Op(index, Kind.PUT_TTL, payload, now, expireAt, now);
                ops.add(op);
                f = coordinator.cluster.put(k, Record.string(payload, now, expireAt), ResilienceCluster.QUORUM);
            } else if (roll < 90) {
                op = new Op(index, Kind.TOMBSTONE, null, now, Record.NO_EXPIRY, now);
                ops.add(op);
                f = coordinator.cluster.put(k, Record.tombstone(now), ResilienceCluster.QUORUM);
            } else {
                op = new Op(index, Kind.UPDATE_DELETE, null, now, Record.NO_EXPIRY, now);
                ops.add(op);
                f = coordinator.cluster.update(k, (current, nowMillis) -> current == null ? Change.<Boolean>keep(false)
                        : Change.<Boolean>delete(true), ResilienceCluster.QUORUM);
            }
        } catch (RuntimeException e) {
            throw new AssertionError("client call on " + coordinator.id + " threw", e);
        }
        opsIssued++;
        outstanding++;
        Op issued = op;
        f.whenComplete((reply, err) -> {
            if (issued.status != Status.PENDING) {
                return; // the client gave up already: the outcome stays unknown
            }
            if (err != null) {
                issued.status = Status.UNKNOWN;
            } else if (issued.kind == Kind.UPDATE_DELETE && Boolean.FALSE.equals(reply)) {
                issued.status = Status.NO_OP;
                issued.endMillis = cluster.nowMillis();
            } else {
                issued.status = Status.ACKED;
                issued.endMillis = cluster.nowMillis();
            }
            finished(key);
        });
        cluster.scheduler.schedule(CLIENT_TIMEOUT_MILLIS, () -> {
            if (issued.status == Status.PENDING) {
                issued.status = Status.UNKNOWN;
                finished(key);
            }
        });
    }

    private void finished(String key) {
        outstanding--;
        cluster.scheduler.schedule(THINK_MIN_MILLIS + random.nextLong(THINK_MAX_MILLIS - THINK_MIN_MILLIS + 1), () -> nextOp(key));
    }

    // ------------------------------------------------------------------ nemesis

    private void scheduleNemesis(long start) {
        double loss = 0.01 + random.nextDouble() * 0.04;
        cluster.network.dropProbability(loss);
        event(String.format("message loss %.3f", loss));
        long joinAt = 2_000 + random.nextLong(6_000);
        cluster.scheduler.schedule(joinAt, this::join);
        long leaveAt = 4_000 + random.nextLong(10_000);
        cluster.scheduler.schedule(leaveAt, this::leave);
        cluster.scheduler.schedule(500 + random.nextLong(1_500), () -> nemesisStep(start));
    }

    private void nemesisStep(long start) {
        if (!writing || cluster.nowMillis() >= start + WRITE_PHASE_MILLIS - 1_000) {
            return;
        }
        int roll = random.nextInt(10);
        if (roll < 5) {
            crashOne();
        } else if (roll < 8) {
            partitionSome();
        } else {
            double loss = 0.01 + random.nextDouble() * 0.04;
            cluster.network.dropProbability(loss);
            event(String.format("message loss %.3f", loss));
        }
        cluster.scheduler.schedule(1_000 + random.nextLong(2_000), () -> nemesisStep(start));
    }

    private void crashOne() {
        for (ResilienceCluster.Node n : cluster.nodes.values()) {
            if (!n.up && !n.departed) {
                return; // not more than one down at a time
            }
        }
        List<ResilienceCluster.Node> up = cluster.upNodes();
        ResilienceCluster.Node victim = up.get(random.nextInt(up.size()));
        event("crash " + victim.id);
        crashes++;
        victim.crash();
        long downFor = 300 + random.nextLong(4_000);
        cluster.scheduler.schedule(downFor, () -> {
            if (!victim.up && !victim.departed) {
                event("restart " + victim.id);
                victim.start();
            }
        });
    }

    private void partitionSome() {
        if (cluster.network.anyCut()) {
            return;
        }
        List<NodeId> all = new ArrayList<>(cluster.nodes.keySet());
        List<NodeId> side = new ArrayList<>();
        int size = 1 + random.nextInt(Math.max(1, all.size() / 2 - 1) + 0);
        List<NodeId> pool = new ArrayList<>(all);
        for (int i = 0; i < size && !pool.isEmpty(); i++) {
            side.add(pool.remove(random.nextInt(pool.size())));
        }
        event("partition " + side + " from the rest");
        cuts++;
        cluster.network.partition(side, all);
        long healIn = 300 + random.nextLong(3_000);
        cluster.scheduler.schedule(healIn, () -> {
            event("heal partition");
            cluster.network.healAll();
        });
    }

    private void join() {
        int i = cluster.nodes.size() + 1;
        ResilienceCluster.Node n = cluster.addNode(i);
        joiner = n.id;
        event("join " + n.id + " (starts)");
        n.start();
    }

    private void leave() {
        List<ResilienceCluster.Node> candidates = new ArrayList<>();
        for (ResilienceCluster.Node n : cluster.upNodes()) {
            RingSnapshot ring = n.membership.ring();
            if (!n.id.equals(joiner) && ring.isCurrentMember(n.id) && ring.currentMembers().size() > 3) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            // Every candidate is down right now: try again shortly.
            cluster.scheduler.schedule(500, this::leave);
            return;
        }
        ResilienceCluster.Node n = candidates.get(random.nextInt(candidates.size()));
        leaver = n.id;
        switch (ringChange) {
            case DECOMMISSION -> {
                event("decommission " + n.id);
                n.ringManager.leave();
            }
            case REMOVE, REPLACE -> {
                event("kill " + n.id + " for good (" + ringChange + ")");
                n.crash();
                n.departed = true; // never restarted: its disk is gone
                if (ringChange == RingChange.REMOVE) {
                    cluster.scheduler.schedule(RING_CHANGE_RETRY_MILLIS, this::removeLeaver);
                } else {
                    cluster.scheduler.schedule(RING_CHANGE_RETRY_MILLIS, this::replaceLeaver);
                }
            }
        }
    }

    /**
     * RING REMOVE of the dead node, through a random live member that still has it in its ring,
     * as an operator would: again later while no such node judges it down yet (the command
     * refuses a live node), and again after a while if the node is still in the ring (the node
     * that took the request may crash before proposing it: requests are not persisted).
     */
    private void removeLeaver() {
        List<ResilienceCluster.Node> members = new ArrayList<>();
        for (ResilienceCluster.Node n : cluster.upNodes()) {
            RingSnapshot ring = n.membership.ring();
            // A joiner's version-0 ring of itself knows nothing of the dead node.
            if (ring.version() > 0 && ring.isCurrentMember(n.id) && ring.isCurrentMember(leaver)) {
                members.add(n);
            }
        }
        if (members.isEmpty() && removed()) {
            return;
        }
        if (!members.isEmpty()) {
            ResilienceCluster.Node via = members.get(random.nextInt(members.size()));
            try {
                via.ringManager.remove(leaver);
                event("RING REMOVE " + leaver + " via " + via.id);
                cluster.scheduler.schedule(RING_CHANGE_REISSUE_MILLIS, this::removeLeaver);
                return;
            } catch (IllegalStateException refused) {
                event("RING REMOVE " + leaver + " via " + via.id + " refused: " + refused.getMessage());
            }
        }
        cluster.scheduler.schedule(RING_CHANGE_RETRY_MILLIS, this::removeLeaver);
    }

    /** Whether some live node's settled ring no longer names the dead node at all. */
    private boolean removed() {
        for (ResilienceCluster.Node n : cluster.upNodes()) {
            RingSnapshot ring = n.membership.ring();
            if (ring.version() > 0 && ring.member(leaver) == null) {
                return true;
            }
        }
        return false;
    }

    /** Starts a new node replacing the dead one (it waits by itself until it judges it down). */
    private void replaceLeaver() {
        ResilienceCluster.Node n = cluster.addNode(cluster.nodes.size() + 1);
        replacement = n.id;
        event("start " + n.id + " replacing " + leaver);
        n.replaceOnStart = leaver;
        n.start();
    }

    // ------------------------------------------------------------------ convergence and checks

    private boolean converged() {
        List<ResilienceCluster.Node> up = cluster.upNodes();
        if (up.isEmpty()) {
            return false;
        }
        RingSnapshot first = up.get(0).membership.ring();
        if (first.isInTransition()) {
            return false;
        }
        for (ResilienceCluster.Node n : up) {
            if (!n.membership.ring().equals(first)) {
                return false;
            }
            if (n.hintsPending() > 0) {
                return false;
            }
            for (ResilienceCluster.Node m : up) {
                if (!n.membership.isAlive(m.id)) {
                    return false;
                }
            }
        }
        if (joiner != null && !first.isCurrentMember(joiner)) {
            return false;
        }
        if (replacement != null && !first.isCurrentMember(replacement)) {
            return false;
        }
        if (leaver != null && (first.member(leaver) != null || cluster.node(leaver).up)) {
            return false;
        }
        return true;
    }

    private String convergenceState() {
        StringBuilder sb = new StringBuilder();
        sb.append("network cut ").append(cluster.network.anyCut()).append(" loss ").append(cluster.network.dropProbability())
                .append(' ').append(cluster.network.stats());
        for (ResilienceCluster.Node n : cluster.nodes.values()) {
            sb.append("\n    ").append(n);
            if (n.up) {
                sb.append(" gossip ").append(n.gossiper.stats()).append(" gen ").append(n.gossiper.generation());
            }
            if (n.up) {
                RingSnapshot r = n.membership.ring();
                sb.append(" ring v").append(r.version()).append(r.isInTransition() ? " (in transition)" : "").append(" members ")
                        .append(ids(r.members())).append(" hints pending ").append(n.hintsPending()).append(" manager ")
                        .append(n.ringManager.describe()).append(" status ").append(n.gossiper.status(n.id).orElse(null));
                List<NodeId> deadToIt = new ArrayList<>();
                for (ResilienceCluster.Node m : cluster.upNodes()) {
                    if (!n.membership.isAlive(m.id)) {
                        deadToIt.add(m.id);
                    }
                }
                if (!deadToIt.isEmpty()) {
                    sb.append(" sees down ").append(deadToIt);
                }
                if (n.hintsPending() > 0) {
                    sb.append(" hint targets ").append(n.hints.pendingByTarget());
                }
            }
        }
        return sb.toString();
    }

    private static List<NodeId> ids(List<Member> members) {
        List<NodeId> out = new ArrayList<>();
        for (Member m : members) {
            out.add(m.id());
        }
        return out;
    }

    private void check() {
        long now = cluster.nowMillis();
        RingSnapshot ring = cluster.upNodes().get(0).membership.ring();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : history.entrySet()) {
            String key = e.getKey();
            byte[] k = key.getBytes(StandardCharsets.US_ASCII);
            List<NodeId> replicas = ring.preferenceList(k);
            Siblings reference = null;
            NodeId referenceNode = null;
            for (NodeId r : replicas) {
                ResilienceCluster.Node n = cluster.node(r);
                Siblings s = n.read(k);
                if (!n.up) {
                    problems.add(key + ": replica " + r + " is not up");
                }
                if (reference == null) {
                    reference = s;
                    referenceNode = r;
                } else if (!canonical(s, now).equals(canonical(reference, now))) {
                    problems.add(key + ": replicas diverge: " + referenceNode + " " + reference + " vs " + r + " " + s);
                }
                String verdict = judge(e.getValue(), s, now);
                if (verdict != null) {
                    problems.add(key + " on " + r + ": " + verdict + "\n      set " + s + "\n      ops " + e.getValue());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problems, first: " + String.join("\n    ", problems.subList(0,
                    Math.min(5, problems.size()))));
        }
        for (ResilienceCluster.Node n : cluster.upNodes()) {
            if (n.hintsPending() != 0) {
                throw new AssertionError(n.id + " still holds " + n.hintsPending() + " hints");
            }
        }
    }

    /** Null when {@code set} is a state the key's history allows, else why not. */
    static String judge(List<Op> ops, Siblings set, long nowMillis) {
        Version head = null;
        for (Version v : set.versions()) {
            if (head == null || v.record().timestampMillis() > head.record().timestampMillis()
                    || (v.record().timestampMillis() == head.record().timestampMillis() && v.dot().compareTo(head.dot()) > 0)) {
                head = v;
            }
        }
        int lastAck = -1;
        for (Op op : ops) {
            if (op.status == Status.ACKED) {
                lastAck = op.index;
            }
        }
        Op matched = null;
        if (head != null) {
            for (int i = Math.max(0, lastAck); i < ops.size(); i++) {
                Op op = ops.get(i);
                if ((op.status == Status.ACKED || op.status == Status.UNKNOWN) && op.wrote(head)) {
                    matched = op;
                }
            }
            if (matched == null) {
                return "newest version " + head + " is not the last acknowledged write (#" + lastAck + ") or a later unknown one";
            }
        } else if (lastAck >= 0 && ops.get(lastAck).visible(nowMillis) != null) {
            return "acknowledged write #" + lastAck + " lost: no version at all";
        }
        String expected = matched == null ? null : matched.visible(nowMillis);
        Version w = set.winner(nowMillis);
        String shown = w == null || w.record().isTombstone() ? null : new String(w.record().payload(), StandardCharsets.US_ASCII);
        if (expected == null && shown != null && matched != null && matched.kind == Kind.PUT_TTL && w != head
                && ops.stream().anyMatch(op -> (op.status == Status.ACKED || op.status == Status.UNKNOWN) && op.wrote(w))) {
            // The newest version expired, and a concurrent sibling that no write superseded (the
            // newest's coordinator had not seen it, e.g. across a partition) is now the LWW
            // winner: the documented sibling semantics, not data coming back.
            return null;
        }
        if (!java.util.Objects.equals(expected, shown)) {
            return "a read shows " + shown + " but the newest version " + matched + " says " + expected
                    + " (deleted or expired data reappeared)";
        }
        return null;
    }

    /** The set with expired values and tombstones reduced to their dots: replicas may differ only in reclaiming. */
    static String canonical(Siblings s, long nowMillis) {
        StringBuilder sb = new StringBuilder(s.clock().toString()).append('|');
        for (Version v : s.versions()) {
            Record r = v.record();
            sb.append(v.dot()).append(':');
            if (r.isTombstone() || r.isExpired(nowMillis)) {
                sb.append("dead");
            } else {
                sb.append(HexFormat.of().formatHex(r.encoded()));
            }
            sb.append(';');
        }
        return sb.toString();
    }
}
