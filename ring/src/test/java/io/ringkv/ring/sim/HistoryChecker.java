package io.ringkv.ring.sim;

import io.ringkv.common.WireReader;
import io.ringkv.ring.NodeId;
import io.ringkv.ring.Record;
import io.ringkv.ring.partition.StorageKeys;
import io.ringkv.ring.transport.Verb;
import io.ringkv.ring.version.Dot;
import io.ringkv.ring.version.Siblings;
import io.ringkv.ring.version.Version;
import io.ringkv.ring.version.VersionVector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The model the simulated cluster is checked against: a history of client operations and of
 * <b>write events</b>, and the properties that must hold between them.
 *
 * <h2>Write events</h2>
 *
 * Every replica's storage engine reports each value it stores ({@link ObservedEngine}). The
 * first time a (key, dot) appears in any replica is that write's <i>event</i>: the checker
 * attributes it to the operation that issued it (by the unique value every write carries; a
 * tombstone, which has no value, by the read-modify-write that announced it or the causal
 * delete queued at that coordinator), and records
 *
 * <ul>
 *   <li>its dot and record, and the coordinator's sibling set right after it ({@code after});
 *   <li>its <b>context</b> C: the versions it supersedes by construction. For CAUSAL.SET/DEL,
 *       the context the client sent. For a plain put, the coordinator's clock before the write
 *       (exact: a put supersedes everything its coordinator has seen). For a read-modify-write,
 *       the coordinator's clock after the write minus the new dot. That over-approximates the
 *       read it was computed from only by versions that arrived at the coordinator between its
 *       read and its write; those stay as siblings of the write (its clock does not cover
 *       them), so crediting the write with superseding them hides no loss. The information
 *       flow check below bounds the over-approximation: a clock can only cover what its node
 *       stored or was sent.
 * </ul>
 *
 * <h2>Properties</h2>
 *
 * <ol type="a">
 *   <li><b>Acknowledged writes are seen by later quorum reads.</b> Let W be a write
 *       acknowledged at level w and R a read at level r started after that acknowledgement,
 *       with w + r &gt; N (e.g. QUORUM/QUORUM, ONE/ALL). Every replica that acknowledged W
 *       merged W's {@code after} set, and replicas never forget, so (with no sloppy quorum,
 *       reads and writes both go to the preference list) R's merged answer M must satisfy:
 *       M's clock descends {@code after}'s clock (W and everything W's coordinator had seen
 *       is known), and no sibling of M is one that W superseded (covered by {@code after}'s
 *       clock yet not among its siblings). For a plain GET, which returns only the
 *       last-writer-wins winner V of M: V must not be a version W superseded, and if V ranks
 *       below W in last-writer-wins order (timestamp, then dot), W must have been superseded
 *       by some write event whose context covers it (else W would be in M and win); a GET
 *       answering "absent" needs W superseded or a tombstone ranking above it. The read half
 *       of a read-modify-write is checked like a GET. This needs no condition on how many
 *       replicas are up: strict quorums make it hold always (down replicas only make
 *       operations fail). It holds unless replicas lose their disks, so pairs where a replica
 *       of the key lost its disk after W are skipped.
 *   <li><b>No silent loss.</b> After the final repair, every write event (acknowledged or
 *       not: a timed-out write that reached its coordinator is durable there too) is either
 *       present, with its exact bytes, as a sibling of the key's converged set, or covered by
 *       the context of another write event (legitimately superseded). Concurrent writes thus
 *       survive as siblings. Writes whose every copy was on disks that were lost are exempt.
 *   <li><b>CAUSAL.SET/DEL removes exactly the covered siblings.</b> At the write event, the
 *       coordinator's set goes from B to exactly (B's siblings not covered by the context) +
 *       the new version, with clock B ⊔ context + the new dot; a plain put leaves only the new
 *       version. The set an acknowledged causal write returns is that set.
 *   <li><b>Convergence</b> is checked by the simulation after healing (every replica of a key
 *       holds an equal sibling set).
 *   <li><b>Read-modify-write keeps every update.</b> In runs without faults, the final value
 *       of each append-only key holds every acknowledged append's token exactly once, in the
 *       order the appends were acknowledged (an append acknowledged before another started
 *       comes first): the coordinator's per-key lock serialises them. Multi-key appends
 *       (updateAll) count for each of their keys. Under faults, (b) holds for appends like any
 *       write (an append may be superseded by a later append that read a concurrent sibling
 *       instead: last-writer-wins, by design).
 * </ol>
 *
 * Also checked, on every store change: a dot is never issued twice for different contents; a
 * clock never covers a dot nobody issued yet; <b>causal history flows only through
 * messages</b> (a replica's new clock is covered by its old clock, the sets it received in
 * requests and replies, the contexts clients gave it, and the dot it just issued); a replica
 * never forgets (clocks only grow); every stored version comes from an issued operation. And:
 * no operation's write is applied twice; a write refused with UnavailableException leaves no
 * write event; a read never returns a version nobody wrote.
 *
 * <p>Violations are collected, not thrown: this runs inside production code paths (the engine
 * listener), which must not see exceptions of the checker's. The simulation stops at the first.
 */
final class HistoryChecker implements ObservedEngine.Listener, SimNetwork.Tap {
    private static final int VIOLATIONS_MAX = 20;

    /** Reads a node's stored set for a key, whether the node is up or down. */
    interface StoreReader {
        Siblings read(NodeId node, String key);
    }

    /** One write event: the first appearance of a (key, dot) in any replica. */
    static final class Creation {
        final String key;
        final Version version;
        final NodeId node;
        final Op op;
        final VersionVector context;
        final Siblings after;
        final long sequence;
        /** Every replica that held it lost its disk. */
        boolean destroyed;

        Creation(String key, Version version, NodeId node, Op op, VersionVector context, Siblings after, long sequence) {
            this.key = key;
            this.version = version;
            this.node = node;
            this.op = op;
            this.context = context;
            this.after = after;
            this.sequence = sequence;
        }

        Dot dot() {
            return version.dot();
        }
    }

    /** What the checker knows about one key. */
    private static final class KeyState {
        final Map<Dot, Creation> byDot = new TreeMap<>();
        final List<Creation> creations = new ArrayList<>();
        /** Acknowledged writes, in acknowledgement order. */
        final List<Op> acked = new ArrayList<>();
        /** The highest dot counter issued per node. */
        final Map<NodeId, Long> issued = new TreeMap<>();
        /** The join of every write event's context: what has been legitimately superseded. */
        VersionVector superseded = VersionVector.empty();
    }

    /** A read-modify-write announced that it is about to write this key at this coordinator. */
    private record Hook(NodeId node, String key, Op op) {}

    /** An operation's write of one key. */
    private record OpKey(long op, String key) {}

    private final HistoryLog log;
    private final Function<String, List<NodeId>> preferenceList;
    private final int replicationFactor;
    private final SimScheduler scheduler;
    private final Map<String, KeyState> keys = new TreeMap<>();
    private final Map<Long, Op> ops = new TreeMap<>();
    private final Map<OpKey, Creation> createdBy = new HashMap<>();
    /**
     * The join of every clock each node has received per key ("node key"): an upper bound of
     * the causal history it can know of, besides what it stores.
     */
    private final Map<String, VersionVector> heard = new HashMap<>();
    /** Causal deletes handed to a coordinator and not yet stored, by "node key", oldest first. */
    private final Map<String, Deque<Op>> queuedCausalDeletes = new TreeMap<>();
    /** Sequence numbers of disk losses, by node. */
    private final Map<NodeId, List<Long>> diskLosses = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    /** Writes announced by read-modify-writes and not yet seen in a store (all within one task). */
    private final List<Hook> hooks = new ArrayList<>();
    private long sequence;

    HistoryChecker(HistoryLog log, SimScheduler scheduler, Function<String, List<NodeId>> preferenceList, int replicationFactor) {
        this.log = log;
        this.scheduler = scheduler;
        this.preferenceList = preferenceList;
        this.replicationFactor = replicationFactor;
    }

    /** A logical clock over the history: operation starts and ends, write events. */
    long nextSequence() {
        return ++sequence;
    }

    List<String> violations() {
        return violations;
    }

    private void violation(String text) {
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add(text);
        }
        log.add(scheduler.nowMillis(), "!! " + text);
    }

    private KeyState key(String key) {
        return keys.computeIfAbsent(key, k -> new KeyState());
    }

    // ------------------------------------------------------------------ operations

    void started(Op op) {
        ops.put(op.id, op);
        log.add(op.startMillis, "start " + op);
    }

    /** Called once, when the client learns the outcome. */
    void finished(Op op) {
        op.endSequence = nextSequence();
        log.add(op.endMillis, "end op#" + op.id + " " + op.status + describeResult(op));
        if (op.readSeen) {
            for (Map.Entry<String, Record> e : op.seen.entrySet()) {
                checkLastWriterWins(op, e.getKey(), e.getValue(), "the read of a read-modify-write");
            }
        }
        if (op.status == Op.Status.UNAVAILABLE && op.kind.write) {
            checkNothingWritten(op);
        }
        if (op.status != Op.Status.OK) {
            return;
        }
        switch (op.kind) {
            case GET -> checkLastWriterWins(op, op.key, op.record, "GET");
            case CAUSAL_GET -> checkCausalRead(op, op.siblings);
            default -> {
                for (String k : op.keys) {
                    Creation created = createdBy.get(new OpKey(op.id, k));
                    boolean noop = op.kind == Op.Kind.DELETE && op.readSeen && op.seen.get(k) == null;
                    if (noop) {
                        continue;
                    }
                    if (created == null) {
                        violation("op#" + op.id + " " + op.kind + " was acknowledged but never stored " + k + " at its coordinator");
                        continue;
                    }
                    if ((op.kind == Op.Kind.CAUSAL_PUT || op.kind == Op.Kind.CAUSAL_DELETE) && !created.after.equals(op.siblings)) {
                        violation("op#" + op.id + " returned " + op.siblings + " but its coordinator stored " + created.after);
                    }
                    key(k).acked.add(op);
                }
            }
        }
    }

    /** A write refused as unavailable must have written nothing. */
    private void checkNothingWritten(Op op) {
        for (String k : op.keys) {
            Creation c = createdBy.get(new OpKey(op.id, k));
            if (c != null) {
                violation("op#" + op.id + " was refused as unavailable, yet wrote " + k + " " + describe(c.version));
            }
        }
    }

    private static String describeResult(Op op) {
        if (op.failure != null) {
            return " " + op.failure;
        }
        if (op.status != Op.Status.OK) {
            return "";
        }
        return switch (op.kind) {
            case GET -> " -> " + (op.record == null ? "nil" : Op.text(op.record));
            case CAUSAL_GET, CAUSAL_PUT, CAUSAL_DELETE -> " -> " + op.siblings.clock() + " " + op.siblings.versions();
            default -> "";
        };
    }

    // ------------------------------------------------------------------ attribution

    /**
     * A read-modify-write at {@code node} read {@code current} (per key; null values for absent
     * keys) and will now write {@code writes} there, within the running task.
     */
    void readModifyWrite(NodeId node, Op op, Map<String, Record> current, List<String> writes) {
        op.seen.putAll(current);
        op.readSeen = true;
        for (String k : writes) {
            hooks.add(new Hook(node, k, op));
        }
    }

    /** After every simulated task: every announced write must have been stored within the task. */
    void endOfTask() {
        if (!hooks.isEmpty()) {
            for (Hook h : hooks) {
                violation("op#" + h.op.id + " decided to write " + h.key + " at " + h.node + " but nothing was stored there");
            }
            hooks.clear();
        }
    }

    void causalDeleteQueued(NodeId node, Op op) {
        queuedCausalDeletes.computeIfAbsent(node + " " + op.key, k -> new ArrayDeque<>()).addLast(op);
    }

    /** The coordinator refused the causal delete before storing anything. */
    void causalDeleteRefused(NodeId node, Op op) {
        Deque<Op> q = queuedCausalDeletes.get(node + " " + op.key);
        if (q != null) {
            q.remove(op);
        }
    }

    /** Work queued at a crashed node's coordinator never runs. */
    void nodeCrashed(NodeId node) {
        queuedCausalDeletes.keySet().removeIf(k -> k.startsWith(node + " "));
    }

    private Op attribute(NodeId node, String key, Version v) {
        for (int i = 0; i < hooks.size(); i++) {
            Hook h = hooks.get(i);
            if (h.node.equals(node) && h.key.equals(key)) {
                hooks.remove(i);
                return h.op;
            }
        }
        if (!v.record().isTombstone()) {
            return ops.get(Op.writerOf(Op.text(v.record())));
        }
        Deque<Op> q = queuedCausalDeletes.get(node + " " + key);
        return q == null ? null : q.pollFirst();
    }

    // ------------------------------------------------------------------ store transitions

    @Override
    public void stored(NodeId node, byte[] storageKey, byte[] beforeBytes, byte[] afterBytes) {
        if (storageKey.length < StorageKeys.TOKEN_BYTES) {
            return; // the replica store's own bookkeeping (flush time), not a key
        }
        String key = new String(StorageKeys.userKey(storageKey), StandardCharsets.US_ASCII);
        Siblings before = beforeBytes == null ? Siblings.empty() : Siblings.decode(beforeBytes);
        Siblings after = Siblings.decode(afterBytes);
        if (!after.clock().descends(before.clock())) {
            violation(node + " forgot part of " + key + "'s history: " + before.clock() + " -> " + after.clock());
        }
        KeyState ks = key(key);
        VersionVector allowed = before.clock().join(heard.getOrDefault(node + " " + key, VersionVector.empty()));
        for (Version v : after.versions()) {
            Creation known = ks.byDot.get(v.dot());
            if (known == null) {
                created(node, key, ks, before, after, v);
                allowed = allowed.with(v.dot().node(), v.dot().counter());
            } else if (!Arrays.equals(known.version.record().encoded(), v.record().encoded())) {
                violation("dot " + v.dot() + " of " + key + " issued twice: " + describe(known.version) + " by op#"
                        + (known.op == null ? "?" : known.op.id) + ", now " + describe(v) + " at " + node);
            }
        }
        // Causal history flows only through messages: a replica's clock may cover only what it
        // stored before, what it was sent (sets in requests and replies, clients' contexts) and
        // the dot it just issued; and a dot is covered only once some write issued it.
        if (!allowed.descends(after.clock())) {
            violation(node + " invented causal history for " + key + ": its clock became " + after.clock() + " but it only ever held or heard "
                    + allowed);
        }
        for (Map.Entry<NodeId, Long> e : after.clock().entries().entrySet()) {
            if (e.getValue() > ks.issued.getOrDefault(e.getKey(), 0L)) {
                violation(node + "'s clock for " + key + " covers " + e.getKey() + ":" + e.getValue() + ", a dot nobody issued yet");
            }
        }
    }

    /** FLUSHALL is outside the model: the random runs never issue it. */
    @Override
    public void cleared(NodeId node) {
        violation(node + "'s store was cleared, which the model does not cover");
    }

    /** Whatever a node receives over the network (see {@link #heard}). */
    @Override
    public void received(NodeId to, Verb verb, byte[] request, byte[] reply) {
        if (verb == Verb.REPLICA_WRITE && reply == null) {
            WireReader r = new WireReader(request);
            byte[] key = r.bytes();
            heard(to, new String(key, StandardCharsets.US_ASCII), Siblings.decode(r.bytes()).clock());
        } else if (verb == Verb.REPLICA_READ && reply != null) {
            heard(to, new String(request, StandardCharsets.US_ASCII), Siblings.decode(reply).clock());
        }
    }

    /** A client handed {@code node} a causal context for {@code op}'s key. */
    void clientContext(NodeId node, Op op) {
        heard(node, op.key, op.context);
    }

    private void heard(NodeId node, String key, VersionVector clock) {
        heard.merge(node + " " + key, clock, VersionVector::join);
    }

    private void created(NodeId node, String key, KeyState ks, Siblings before, Siblings after, Version v) {
        Dot dot = v.dot();
        Op op = attribute(node, key, v);
        long seq = nextSequence();
        VersionVector context;
        if (op == null) {
            violation("version " + describe(v) + " of " + key + " at " + node + " was written by no operation");
            context = minus(after.clock(), dot);
        } else {
            context = switch (op.kind) {
                case PUT -> before.clock();
                case CAUSAL_PUT, CAUSAL_DELETE -> op.context;
                default -> minus(after.clock(), dot);
            };
            checkEvent(node, key, op, before, after, v);
        }
        Creation c = new Creation(key, v, node, op, context, after, seq);
        ks.byDot.put(dot, c);
        ks.issued.merge(dot.node(), dot.counter(), Math::max);
        ks.creations.add(c);
        ks.superseded = ks.superseded.join(context);
        if (op != null) {
            Creation earlier = createdBy.putIfAbsent(new OpKey(op.id, key), c);
            if (earlier != null) {
                violation("op#" + op.id + " " + op.kind + " was applied twice: " + earlier.dot() + " at " + earlier.node + " and "
                        + dot + " at " + node);
            }
        }
        log.add(scheduler.nowMillis(), "write " + key + " " + describe(v) + " by op#" + (op == null ? "?" : op.id) + " at " + node
                + " ctx=" + context);
    }

    /** Property (c) and the shape of each kind of write event. */
    private void checkEvent(NodeId node, String key, Op op, Siblings before, Siblings after, Version v) {
        Dot dot = v.dot();
        String what = "op#" + op.id + " " + op.kind + " on " + key;
        if (!issuedBy(dot, node)) {
            violation(what + " first appeared at " + node + ", not at its coordinator " + dot.node());
            return;
        }
        Record r = v.record();
        switch (op.kind) {
            case PUT, CAUSAL_PUT -> {
                if (r.isTombstone() || !Op.text(r).equals(op.token())) {
                    violation(what + " stored " + describe(v) + " instead of its value " + op.token());
                }
            }
            case CAUSAL_DELETE, DELETE -> {
                if (!r.isTombstone()) {
                    violation(what + " stored " + describe(v) + " instead of a tombstone");
                }
            }
            case APPEND, APPEND_ALL -> {
                Record read = op.seen.get(key);
                String expected = read == null ? op.token() : Op.text(read) + "," + op.token();
                if (r.isTombstone() || !Op.text(r).equals(expected)) {
                    violation(what + " stored " + describe(v) + " instead of " + expected);
                }
            }
            default -> violation(what + ": a read stored a new version");
        }
        if (op.kind == Op.Kind.PUT || op.kind == Op.Kind.CAUSAL_PUT || op.kind == Op.Kind.CAUSAL_DELETE) {
            VersionVector ctx = op.kind == Op.Kind.PUT ? before.clock() : op.context;
            NodeId actor = dot.node();
            long expectedCounter = Math.max(before.clock().get(actor), ctx.get(actor)) + 1;
            VersionVector expectedClock = before.clock().join(ctx).with(actor, expectedCounter);
            List<Dot> expectedDots = new ArrayList<>();
            for (Version b : before.versions()) {
                if (!ctx.covers(b.dot())) {
                    expectedDots.add(b.dot());
                }
            }
            expectedDots.add(dot);
            expectedDots.sort(null);
            if (dot.counter() != expectedCounter || !after.clock().equals(expectedClock) || !dotsOf(after).equals(expectedDots)) {
                violation(what + " with context " + ctx + " turned " + before + " into " + after + "; expected clock " + expectedClock
                        + " and dots " + expectedDots);
            }
        }
    }

    /**
     * Whether {@code node} issues dots named like {@code dot}'s: its own id, or its id plus a
     * suffix (a dot actor that also names the node's disk, should dots ever be issued so).
     */
    private static boolean issuedBy(Dot dot, NodeId node) {
        String actor = dot.node().id();
        return actor.equals(node.id()) || actor.startsWith(node.id() + ".");
    }

    private static List<Dot> dotsOf(Siblings s) {
        List<Dot> out = new ArrayList<>(s.size());
        for (Version v : s.versions()) {
            out.add(v.dot());
        }
        return out;
    }

    /** {@code clock} without {@code dot} itself: its node's entry set to the dot's counter - 1. */
    private static VersionVector minus(VersionVector clock, Dot dot) {
        Map<NodeId, Long> entries = new TreeMap<>(clock.entries());
        entries.put(dot.node(), Math.min(entries.getOrDefault(dot.node(), 0L), dot.counter() - 1));
        return VersionVector.of(entries);
    }

    private static boolean holds(Siblings s, Dot dot) {
        for (Version v : s.versions()) {
            if (v.dot().equals(dot)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Version v) {
        Record r = v.record();
        return v.dot() + "=" + (r.isTombstone() ? "<tombstone>" : Op.text(r)) + "@" + (r.timestampMillis() - SimConfig.EPOCH_MILLIS);
    }

    // ------------------------------------------------------------------ disk loss

    /** {@code node} is about to come back with an empty disk; {@code nodes} are all the nodes. */
    void diskLost(NodeId node, List<NodeId> nodes, StoreReader stores) {
        diskLosses.computeIfAbsent(node, n -> new ArrayList<>()).add(nextSequence());
        for (Map.Entry<String, KeyState> e : keys.entrySet()) {
            for (Creation c : e.getValue().creations) {
                if (c.destroyed) {
                    continue;
                }
                boolean elsewhere = false;
                for (NodeId other : nodes) {
                    if (!other.equals(node) && stores.read(other, e.getKey()).clock().covers(c.dot())) {
                        elsewhere = true;
                        break;
                    }
                }
                if (!elsewhere) {
                    c.destroyed = true;
                    log.add(scheduler.nowMillis(), "destroyed " + e.getKey() + " " + describe(c.version));
                }
            }
        }
    }

    /** Whether a replica of {@code key} lost its disk after history position {@code since}. */
    private boolean diskLostSince(String key, long since) {
        if (diskLosses.isEmpty()) {
            return false;
        }
        for (NodeId n : preferenceList.apply(key)) {
            for (long at : diskLosses.getOrDefault(n, List.of())) {
                if (at > since) {
                    return true;
                }
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ property (a)

    /** Acknowledged writes of {@code key} that {@code r} must see (see (a)). */
    private List<Creation> mustSee(Op r, String key) {
        KeyState ks = key(key);
        int readRequired = r.consistency.read().required(replicationFactor);
        List<Creation> out = new ArrayList<>();
        for (Op w : ks.acked) {
            if (w.endSequence >= r.startSequence) {
                break; // acknowledged in order: the rest were acknowledged later
            }
            if (w.consistency.write().required(replicationFactor) + readRequired <= replicationFactor) {
                continue;
            }
            Creation c = createdBy.get(new OpKey(w.id, key));
            if (c != null && !c.destroyed && !diskLostSince(key, c.sequence)) {
                out.add(c);
            }
        }
        return out;
    }

    private void checkCausalRead(Op r, Siblings m) {
        KeyState ks = key(r.key);
        for (Version v : m.versions()) {
            Creation c = ks.byDot.get(v.dot());
            if (c == null || !Arrays.equals(c.version.record().encoded(), v.record().encoded())) {
                violation("op#" + r.id + " read " + describe(v) + ", which no write produced");
            }
        }
        for (Creation w : mustSee(r, r.key)) {
            if (!m.clock().descends(w.after.clock())) {
                violation("op#" + r.id + " CAUSAL.GET at " + r.consistency.read() + " read clock " + m.clock() + ", missing acknowledged "
                        + "op#" + w.op.id + " (" + describe(w.version) + ", clock " + w.after.clock() + ")");
            }
            for (Version v : m.versions()) {
                if (w.after.clock().covers(v.dot()) && !holds(w.after, v.dot())) {
                    violation("op#" + r.id + " CAUSAL.GET returned " + describe(v) + ", which acknowledged op#" + w.op.id
                            + " had already superseded");
                }
            }
        }
    }

    /** True when {@code a} wins over {@code b} in last-writer-wins order (timestamp, then dot). */
    private static boolean beats(Version a, Version b) {
        int c = Long.compare(a.record().timestampMillis(), b.record().timestampMillis());
        return c != 0 ? c > 0 : a.dot().compareTo(b.dot()) > 0;
    }

    private void checkLastWriterWins(Op r, String key, Record value, String what) {
        KeyState ks = key(key);
        Creation seen = null;
        if (value != null) {
            Creation c = createdBy.get(new OpKey(Op.writerOf(Op.text(value)), key));
            if (c == null || !Arrays.equals(c.version.record().encoded(), value.encoded())) {
                violation("op#" + r.id + " " + what + " read " + Op.text(value) + ", which no write produced");
                return;
            }
            seen = c;
        }
        for (Creation w : mustSee(r, key)) {
            if (seen != null && w.after.clock().covers(seen.dot()) && !holds(w.after, seen.dot())) {
                violation("op#" + r.id + " " + what + " at " + r.consistency.read() + " returned " + describe(seen.version)
                        + ", which acknowledged op#" + w.op.id + " had already superseded");
                continue;
            }
            boolean wSuperseded = ks.superseded.covers(w.dot());
            if (seen != null && beats(w.version, seen.version) && !wSuperseded) {
                violation("op#" + r.id + " " + what + " at " + r.consistency.read() + " returned " + describe(seen.version)
                        + ", older than acknowledged op#" + w.op.id + " " + describe(w.version) + " which nothing superseded");
            }
            if (seen == null && !w.version.record().isTombstone() && !wSuperseded && !tombstoneBeats(ks, w.version)) {
                violation("op#" + r.id + " " + what + " at " + r.consistency.read() + " found nothing, but acknowledged op#" + w.op.id
                        + " " + describe(w.version) + " was neither superseded nor deleted");
            }
        }
    }

    private static boolean tombstoneBeats(KeyState ks, Version v) {
        for (Creation c : ks.creations) {
            if (c.version.record().isTombstone() && beats(c.version, v)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ final state

    /** Property (b) on the converged set {@code f} of {@code key}. */
    void checkFinal(String key, Siblings f) {
        KeyState ks = key(key);
        for (Creation c : ks.creations) {
            if (c.destroyed) {
                continue;
            }
            Version present = null;
            for (Version v : f.versions()) {
                if (v.dot().equals(c.dot())) {
                    present = v;
                    break;
                }
            }
            if (present != null) {
                if (!Arrays.equals(present.record().encoded(), c.version.record().encoded())) {
                    violation(key + " holds " + describe(present) + " where op#" + (c.op == null ? "?" : c.op.id) + " wrote "
                        + describe(c.version));
                }
            } else if (!ks.superseded.covers(c.dot())) {
                String acked = c.op != null && c.op.status == Op.Status.OK ? "acknowledged " : "";
                violation("lost write: " + acked + "op#" + (c.op == null ? "?" : c.op.id) + " " + describe(c.version) + " of " + key
                        + " is neither in the final set " + f + " nor superseded by any write's context");
            }
        }
    }

    /** Property (e), strict form, for a run without faults: see the class comment. */
    void checkAppendsStrict(String key, Siblings f, long nowMillis) {
        Version w = f.winner(nowMillis);
        List<String> tokens = w == null || w.record().isTombstone() ? List.of() : Arrays.asList(Op.text(w.record()).split(","));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (index.put(tokens.get(i), i) != null) {
                violation(key + ": token " + tokens.get(i) + " appears twice in " + tokens);
            }
        }
        List<Op> appends = new ArrayList<>();
        for (Op op : key(key).acked) {
            if (op.kind == Op.Kind.APPEND || op.kind == Op.Kind.APPEND_ALL) {
                appends.add(op);
                if (!index.containsKey(op.token())) {
                    violation(key + ": acknowledged append op#" + op.id + " is missing from the final value " + tokens);
                }
            }
        }
        for (Op a : appends) {
            for (Op b : appends) {
                Integer ia = index.get(a.token());
                Integer ib = index.get(b.token());
                if (ia != null && ib != null && a.endSequence < b.startSequence && ia > ib) {
                    violation(key + ": op#" + a.id + " was acknowledged before op#" + b.id + " started, yet comes after it in " + tokens);
                }
            }
        }
    }

    /** End of run: nothing may be left queued or announced. */
    void checkDrained() {
        for (Map.Entry<String, Deque<Op>> e : queuedCausalDeletes.entrySet()) {
            if (!e.getValue().isEmpty()) {
                violation("causal deletes accepted at " + e.getKey() + " but never stored: " + e.getValue());
            }
        }
        for (Op op : ops.values()) {
            if (op.status == Op.Status.UNAVAILABLE && op.kind.write) {
                checkNothingWritten(op);
            }
        }
    }

    /** Write events so far, for the run summary. */
    int writeEvents() {
        int n = 0;
        for (KeyState ks : keys.values()) {
            n += ks.creations.size();
        }
        return n;
    }
}
